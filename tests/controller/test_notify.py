"""Notifications against a real HTTP receiver (pytest-httpserver)."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from gatling_common.errors import PermanentError, RetryableError
from gatling_common.retry import RetryPolicy
from gatling_controller.notify import (
    RunSummary,
    comparison_line,
    payload,
    render,
    report_stats,
    send,
    webhook_url,
)
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

NO_SLEEP = lambda seconds: None  # noqa: E731
POLICY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
OK_RUN = RunSummary(
    name="shop",
    namespace="load",
    succeeded=True,
    pods=3,
    duration_seconds=125.4,
    requests=1000,
    ko_percent=1.5,
    p95_ms=420.0,
    verdict="passed",
    report_url="https://r.example/shop/1/index.html",
)


def test_default_message_success() -> None:
    assert render(OK_RUN) == (
        "[shop] Gatling has completed successfully!\n"
        "Pods: 3, duration: 125s\n"
        "Requests: 1000, KO: 1.50%, p95: 420.0 ms\n"
        "Thresholds: passed\n"
        "Report URL: https://r.example/shop/1/index.html"
    )


def test_default_message_failure_without_report() -> None:
    run = RunSummary(name="shop", namespace="load", succeeded=False, pods=2, error="runner failed")
    assert render(run) == ("[shop] Gatling has FAILED: runner failed\nPods: 2\nReport URL: none")


def test_template_is_overridable() -> None:
    assert render(OK_RUN, "{{ run.name }} {{ run.verdict }}") == "shop passed"


def test_payload_shapes() -> None:
    assert payload("slack", "hi", OK_RUN) == {"text": "hi"}
    teams = payload("teams", "a\nb", OK_RUN)
    assert teams["@type"] == "MessageCard" and teams["text"] == "a  \nb"
    hook = payload("webhook", "hi", OK_RUN)
    assert hook["text"] == "hi" and hook["run"]["p95_ms"] == 420.0


def test_webhook_url_from_secret() -> None:
    data = {"incoming-webhook-url": base64.b64encode(b"http://h/x\n").decode()}
    assert webhook_url(data, "slack") == "http://h/x"
    with pytest.raises(PermanentError, match="notification Secret slack: key incoming-webhook-url"):
        webhook_url({}, "slack")


@pytest.mark.parametrize(
    "url",
    [
        "hooks.example.com/services/t0ken",  # no scheme: requests' MissingSchema
        "ftp://hooks.example.com/t0ken",
        "http://",
        "https:///t0ken",
        "http://[::1/t0ken",
        "http://host:port/t0ken",
        "http://host:0/t0ken",
        "t0ken",
    ],
)
def test_a_malformed_webhook_url_is_permanent_and_not_shown(url: str) -> None:
    data = {"incoming-webhook-url": base64.b64encode(url.encode()).decode()}
    with pytest.raises(PermanentError) as err:
        webhook_url(data, "slack")
    assert str(err.value) == (
        "notification Secret slack: key incoming-webhook-url is not an http(s) URL with a host"
    )
    assert "t0ken" not in str(err.value)


def test_send_posts_json(httpserver: HTTPServer) -> None:
    expected = httpserver.expect_oneshot_request("/hook", method="POST", json={"text": "hi"})
    expected.respond_with_data("ok")
    send(httpserver.url_for("/hook"), {"text": "hi"}, what="run shop", policy=POLICY, timeout=5)
    httpserver.check_assertions()


def test_send_retries_5xx_then_succeeds_and_never_logs_the_url(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    answers = iter([Response("no", 500), Response("slow", 429, {"Retry-After": "0.02"}), "ok"])
    sleeps: list[float] = []

    def handler(request: Request) -> Response:
        answer = next(answers)
        return answer if isinstance(answer, Response) else Response(answer, 200)

    httpserver.expect_request("/secret-token").respond_with_handler(handler)
    url = httpserver.url_for("/secret-token")
    with caplog.at_level(logging.DEBUG):
        send(url, {"text": "x"}, what="run shop", policy=POLICY, timeout=5, sleep=sleeps.append)
    assert len(httpserver.log) == 3
    assert len(sleeps) == 2 and sleeps[1] >= 0.02  # Retry-After honoured
    # urllib3's own DEBUG lines carry the URL; the CLI's logging setup keeps urllib3 at WARNING.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("gatling"))
    assert "secret-token" not in ours
    assert "attempt 1/3 failed (run shop: webhook answered HTTP 500)" in ours


def test_send_4xx_is_permanent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    with pytest.raises(PermanentError, match=r"^run shop: webhook answered HTTP 404$"):
        send(httpserver.url_for("/gone"), {}, what="run shop", policy=POLICY, timeout=5)
    assert len(httpserver.log) == 1


def test_send_gives_up_after_bounded_attempts(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("no", status=503)
    with pytest.raises(RetryableError, match="HTTP 503"):
        send(httpserver.url_for("/down"), {}, what="w", policy=POLICY, timeout=5, sleep=NO_SLEEP)
    assert len(httpserver.log) == 3


def test_connection_error_message_hides_the_url() -> None:
    with pytest.raises(RetryableError) as info:
        send("http://127.0.0.1:1/tok3n", {}, what="w", policy=POLICY, timeout=1, sleep=NO_SLEEP)
    assert "tok3n" not in str(info.value)


def test_report_stats_from_storage(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    stats = {
        "numberOfRequests": {"total": 200, "ok": 190, "ko": 10},
        "percentiles3": {"total": 350, "ok": 300, "ko": 900},
    }
    (tmp_path / "js" / "global_stats.json").write_text(json.dumps(stats))
    summary = {"thresholds": [{"expression": "global.p95 < 300", "actual": 350, "passed": False}]}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    got = report_stats(f"file://{tmp_path}")
    assert (got.requests, got.ko_percent, got.p95_ms, got.verdict) == (200, 5.0, 350.0, "failed")


def test_report_stats_missing_report(tmp_path: Path) -> None:
    got = report_stats(f"file://{tmp_path}")
    assert (got.requests, got.ko_percent, got.p95_ms, got.verdict) == (None, None, None, None)


def test_the_comparison_line_names_the_worst_regression() -> None:
    summary = {
        "comparison": {
            "baseline": {"ref": "s3://b/name/run1"},
            "deltas": [
                {"path": [], "metrics": [
                    {"metric": "p95", "baseline": 100, "current": 120, "relative": 0.2,
                     "verdict": "worse"},
                    {"metric": "rps", "baseline": 10, "current": 5, "relative": -0.5,
                     "verdict": "worse"},
                ]},
                {"path": ["Checkout", "Pay"], "metrics": [
                    {"metric": "p99", "baseline": 200, "current": 500, "relative": 1.5,
                     "verdict": "worse"},
                    {"metric": "mean", "baseline": 90, "current": 10, "relative": -0.89,
                     "verdict": "better"},
                ]},
            ],
        }
    }  # fmt: skip
    assert comparison_line(summary) == (
        "worst change p99 of Checkout / Pay 200 -> 500 (+150%) vs s3://b/name/run1"
    )
    same = {"comparison": {"baseline": {"ref": "r"}, "deltas": []}}
    assert comparison_line(same) == "no regression vs r"
    assert comparison_line({"thresholds": []}) is None
