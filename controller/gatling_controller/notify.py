"""Run notifications: Slack and Teams incoming webhooks, or a generic JSON webhook.

The webhook URL is a secret (it is the credential): it never appears in logs or error messages.
429 and 5xx are retried with backoff (honouring Retry-After); any other 4xx is permanent.
"""

from __future__ import annotations

import base64
import json
import logging
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import requests
from gatling_common.errors import FleetError, PermanentError, RetryableError
from gatling_common.retry import RetryPolicy, retry_call
from gatling_common.storage import StorageSettings, open_storage

log = logging.getLogger(__name__)

SECRET_KEY = "incoming-webhook-url"  # noqa: S105 - a key name; the Go operator's key in the notification Secret

DEFAULT_TEMPLATE = """\
[{{ run.name }}] {% if run.succeeded %}Gatling has completed successfully!\
{% else %}Gatling has FAILED{% if run.error %}: {{ run.error }}{% endif %}{% endif %}
Pods: {{ run.pods }}{% if run.duration_seconds is not none %}, \
duration: {{ "%.0f" | format(run.duration_seconds) }}s{% endif %}
{% if run.requests is not none %}Requests: {{ run.requests }}, \
KO: {{ "%.2f" | format(run.ko_percent) }}%\
{% if run.p95_ms is not none %}, p95: {{ run.p95_ms }} ms{% endif %}
{% endif %}{% if run.verdict %}Thresholds: {{ run.verdict }}
{% endif %}{% if run.comparison %}Baseline: {{ run.comparison }}
{% endif %}Report URL: {{ run.report_url or "none" }}
"""


@dataclass(frozen=True)
class RunSummary:
    """What a notification says about one run."""

    name: str
    namespace: str
    succeeded: bool
    pods: int
    duration_seconds: float | None = None
    requests: int | None = None
    ko_percent: float | None = None
    p95_ms: float | None = None
    verdict: str | None = None  # passed / failed, when the reporter checked thresholds
    report_url: str | None = None
    error: str | None = None
    comparison: str | None = None  # one line: the worst regression against the baseline


@dataclass(frozen=True)
class ReportStats:
    requests: int | None = None
    ko_percent: float | None = None
    p95_ms: float | None = None
    verdict: str | None = None
    comparison: str | None = None


def webhook_url(secret_data: Mapping[str, str], secret_name: str) -> str:
    """The URL from a Secret's (base64) data; the error names the Secret and key, not the value."""
    raw = secret_data.get(SECRET_KEY)
    if not raw:
        raise PermanentError(f"notification Secret {secret_name}: key {SECRET_KEY} is missing")
    try:
        url = base64.b64decode(raw).decode().strip()
    except ValueError as exc:
        raise PermanentError(
            f"notification Secret {secret_name}: key {SECRET_KEY} is not base64 text"
        ) from exc
    if not _is_http_url(url):  # no retry can fix it; the message must not show the secret URL
        raise PermanentError(
            f"notification Secret {secret_name}: key {SECRET_KEY} is not an http(s) URL with a host"
        )
    return url


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # "http://[::1", a port that is not a number
        return False


def render(run: RunSummary, template: str | None = None) -> str:
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)  # noqa: S701 - plain text, not HTML
    return env.from_string(template or DEFAULT_TEMPLATE).render(run=run)


def payload(provider: str, text: str, run: RunSummary) -> dict[str, Any]:
    if provider == "slack":
        return {"text": text}
    if provider == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": f"Gatling {run.name}",
            "themeColor": "2EB886" if run.succeeded else "D00000",
            "text": text.replace("\n", "  \n"),  # Teams renders markdown line breaks
        }
    return {"text": text, "run": asdict(run)}


def send(
    url: str,
    body: dict[str, Any],
    *,
    what: str,
    policy: RetryPolicy,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """POST `body` as JSON; `what` names the run in logs (the URL never does)."""

    def attempt() -> None:
        try:
            resp = requests.post(url, json=body, timeout=timeout)
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            raise PermanentError(
                f"{what}: the webhook URL is not usable ({type(exc).__name__})"
            ) from None
        except requests.RequestException as exc:
            # str(exc) contains the URL: report only the kind of failure.
            raise RetryableError(f"{what}: {type(exc).__name__} posting the webhook") from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise RetryableError(
                f"{what}: webhook answered HTTP {resp.status_code}",
                retry_after=_retry_after(resp.headers.get("Retry-After")),
            )
        if resp.status_code >= 400:
            raise PermanentError(f"{what}: webhook answered HTTP {resp.status_code}")

    retry_call(attempt, what=what, policy=policy, log=log, sleep=sleep)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def report_stats(location: str, settings: StorageSettings | None = None) -> ReportStats:
    """Requests, KO% and p95 from the report's js/global_stats.json, the verdict from summary.json.

    Missing pieces (no report, no SDK for that storage) give None fields: a notification must not
    fail because its garnish is unavailable.
    """
    stats = _download_json(location, "js/global_stats.json", settings)
    summary = _download_json(location, "summary.json", settings)
    out = ReportStats(verdict=_verdict(summary), comparison=comparison_line(summary))
    if not isinstance(stats, dict):
        return out
    try:
        counts = stats["numberOfRequests"]
        total = int(counts["total"])
        ko = int(counts["ko"])
        p95 = stats.get("percentiles3", {}).get("total")
    except (KeyError, TypeError, ValueError):
        return out
    return ReportStats(
        requests=total,
        ko_percent=(100.0 * ko / total) if total else 0.0,
        p95_ms=float(p95) if isinstance(p95, int | float) else None,
        verdict=out.verdict,
        comparison=out.comparison,
    )


def comparison_line(summary: Any) -> str | None:
    """summary.json's `comparison` (gatling-reporter --baseline) in one line: the metric that got
    relatively worst, or that nothing did."""
    section = summary.get("comparison") if isinstance(summary, dict) else None
    if not isinstance(section, dict):
        return None
    ref = (section.get("baseline") or {}).get("ref", "?")
    worst: tuple[float, str] | None = None
    for node in section.get("deltas") or []:
        name = " / ".join(node.get("path") or []) or "all requests"
        for m in node.get("metrics") or []:
            rel = m.get("relative")
            if m.get("verdict") == "worse" and isinstance(rel, int | float):
                text = (
                    f"{m.get('metric')} of {name} {m.get('baseline')} -> {m.get('current')} "
                    f"({100 * rel:+.0f}%)"
                )
                if worst is None or abs(rel) > worst[0]:
                    worst = (abs(rel), text)
    return f"worst change {worst[1]} vs {ref}" if worst else f"no regression vs {ref}"


def _verdict(summary: Any) -> str | None:
    if not isinstance(summary, dict):
        return None
    # gatling-reporter writes "thresholds": [{expression, actual, passed}] when it checked any.
    checked = summary.get("thresholds")
    if isinstance(checked, list) and checked:
        ok = all(isinstance(t, dict) and t.get("passed") is True for t in checked)
        return "passed" if ok else "failed"
    return None


def _download_json(location: str, name: str, settings: StorageSettings | None) -> Any:
    try:
        store = open_storage(location, settings)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.json"
            store.download_file(name, path)
            return json.loads(path.read_text())
    except (FleetError, OSError, ValueError) as exc:
        log.info("report file %s/%s unavailable: %s", location, name, exc)
        return None
