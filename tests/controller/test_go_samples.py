"""The Go operator's own Gatling resources through our controller's whole lifecycle, unchanged:
its sample CRs (config/samples) and the CR examples of its guides (docs/*.md).

They are read at test time from the mirror of st-tech/gatling-operator (never copied here). A
guide block that is a fragment (`...omit...`, only a `cloudStorageSpec:` part, sections left
empty) is completed by merging it into a minimal Gatling resource; every field the block sets is
kept as written. Storage goes to the matching emulator (moto, fake-gcs-server, Azurite), the
Secrets the resources name are created, notifications reach a local Slack-style receiver.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from gatling_common.storage import StorageSettings, open_storage
from gatling_controller.builders import run_storage
from gatling_controller.kube import Kube
from gatling_controller.models import DEFAULT_GATLING_IMAGE, parse_gatling
from gatling_controller.reconciler import Reconciler
from gatling_controller.runtime import Controller
from gatling_kube_emulator.jobs import JobController, PhasePolicy, timed
from gatling_kube_emulator.server import KubernetesEmulator
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.controller.fixtures import gone
from tests.controller.harness import NS, SETTINGS, wait_for
from tests.support import emulators

GO_MIRROR = "/work/.mirror/st-tech+gatling-operator/repo"
MIRROR = Path(os.environ.get("GATLING_FLEET_GO_OPERATOR_MIRROR", GO_MIRROR))
API_VERSION = "gatling-operator.tech.zozo.com/v1alpha1"
SPEC_KEYS = {
    "generateReport", "generateLocalReport", "notifyReport", "cleanupAfterJobDone", "podSpec",
    "cloudStorageSpec", "notificationServiceSpec", "testScenarioSpec", "persistentVolume",
    "persistentVolumeClaim",
}  # fmt: skip
SLACK_SECRET = "gatling-notification-slack-secrets"  # the name the samples and guides use


# --- reading the Go repository ------------------------------------------------------------------


def _git(*args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(MIRROR), *args], check=True, capture_output=True, text=True
    )
    return out.stdout


def _mirror_present() -> bool:
    return (MIRROR / "HEAD").is_file() and (MIRROR / "objects").is_dir()


def _require_mirror() -> None:
    if _mirror_present():
        return
    reason = (
        f"needs the mirror of st-tech/gatling-operator at {MIRROR} "
        "(or GATLING_FLEET_GO_OPERATOR_MIRROR); not part of a user's clone"
    )
    # Not one of ../shared's fixtures (GATLING_FLEET_REQUIRE_SHARED): GitHub is out of reach
    # from CI machines, so only a machine that has the mirror can promise it.
    if os.environ.get("GATLING_FLEET_REQUIRE_GO_MIRROR") == "1":
        pytest.fail(f"GATLING_FLEET_REQUIRE_GO_MIRROR=1 but {reason}")
    pytest.skip(reason)


class _Loader(yaml.SafeLoader):
    """YAML as kubectl reads it: an unquoted `2022-01-01 12:00:00` stays a string."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_all(text: str) -> list[Any]:
    return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]


def _is_gatling(doc: Any) -> bool:
    return isinstance(doc, dict) and (
        doc.get("kind") == "Gatling" or (doc.get("kind") is None and SPEC_KEYS & set(doc))
    )


@dataclass(frozen=True)
class GoResource:
    """One Gatling resource of the Go repository, as written, and where it comes from."""

    source: str  # path, and for a guide block its first line
    body: dict[str, Any]
    fragment: bool  # a guide block that is not a whole resource


def _samples() -> Iterator[GoResource]:
    for path in _git("ls-tree", "--name-only", "HEAD", "config/samples/").split():
        if path.endswith(".yaml"):
            for doc in _load_all(_git("show", f"HEAD:{path}")):
                if _is_gatling(doc):
                    yield GoResource(path, doc, fragment=False)


YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _guide_blocks() -> Iterator[GoResource]:
    docs = [p for p in _git("ls-tree", "--name-only", "HEAD", "docs/").split() if p.endswith(".md")]
    for path in docs:
        text = _git("show", f"HEAD:{path}")
        for match in YAML_BLOCK.finditer(text):
            block = match.group(1)
            line = text.count("\n", 0, match.start()) + 2
            lines = [ln for ln in block.splitlines() if ln.strip() != "...omit..."]
            omitted = len(lines) != len(block.splitlines())
            for doc in _load_all(textwrap.dedent("\n".join(lines))):
                if _is_gatling(doc):
                    whole = not omitted and doc.get("kind") == "Gatling" and _complete(doc)
                    yield GoResource(f"{path}:{line}", doc, fragment=not whole)


def _complete(doc: dict[str, Any]) -> bool:
    spec = doc.get("spec") or {}
    scenario = spec.get("testScenarioSpec") or {}
    return bool(scenario.get("simulationClass")) and None not in spec.values()


def go_resources() -> list[GoResource]:
    if not _mirror_present():
        return []
    return [*_samples(), *_guide_blocks()]


RESOURCES = go_resources()
IDS = [r.source for r in RESOURCES] or ["<no mirror>"]


# --- completing fragments -----------------------------------------------------------------------

MINIMAL_SPEC: dict[str, Any] = {
    "podSpec": {"serviceAccountName": "gatling-operator-worker"},
    "testScenarioSpec": {"simulationClass": "MyBasicSimulation"},
}
# What the guide says a flag needs ("you must configure ... as well"), and what a section is for.
SAMPLE_STORAGE = {
    "provider": "aws", "bucket": "gatling-operator-reports", "region": "ap-northeast-1",
}  # fmt: skip
SAMPLE_NOTIFICATION = {"provider": "slack", "secretName": SLACK_SECRET}


def _merge(base: Any, over: Any) -> Any:
    """`over` into `base`: mappings merged, anything else from `over`; a null in `over` is a
    section the fragment leaves to fill, so the base's stays."""
    if over is None:
        return copy.deepcopy(base)
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for key, value in over.items():
            out[key] = _merge(base.get(key), value)
        return out
    return copy.deepcopy(over)


def completed(resource: GoResource, name: str) -> dict[str, Any]:
    """The resource to create: as written, or a fragment merged into a minimal Gatling."""
    if not resource.fragment:
        return copy.deepcopy(resource.body)
    fragment = resource.body
    spec = fragment.get("spec", fragment) if fragment.get("kind") else fragment
    spec = spec or {}
    base: dict[str, Any] = copy.deepcopy(MINIMAL_SPEC)
    if spec.get("generateReport") or "cloudStorageSpec" in spec:
        base.update(generateReport=True, cloudStorageSpec=copy.deepcopy(SAMPLE_STORAGE))
    if spec.get("notifyReport") or "notificationServiceSpec" in spec:
        base.update(notifyReport=True, notificationServiceSpec=dict(SAMPLE_NOTIFICATION))
    body = {
        "apiVersion": API_VERSION,
        "kind": "Gatling",
        "metadata": {"name": name},
        "spec": _merge(base, spec),
    }
    if fragment.get("kind"):
        body = _merge(body, {k: v for k, v in fragment.items() if k != "spec"})
    _assert_kept(spec, body["spec"])
    return body


def _assert_kept(fragment: Any, merged: Any, where: str = "spec") -> None:
    """Every field the fragment sets is in the merged resource, unchanged."""
    if isinstance(fragment, dict):
        for key, value in fragment.items():
            if value is not None:
                _assert_kept(value, merged[key], f"{where}.{key}")
    else:
        assert merged == fragment, where


# --- what the resources need around them ---------------------------------------------------------


def _secret_refs(node: Any) -> Iterator[tuple[str, str]]:
    """(Secret, key) of every secretKeyRef in the resource."""
    if isinstance(node, dict):
        ref = node.get("secretKeyRef")
        if isinstance(ref, dict) and ref.get("name"):
            yield str(ref["name"]), str(ref.get("key") or "")
        for value in node.values():
            yield from _secret_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _secret_refs(value)


def _create_support(k8s: KubernetesEmulator, body: dict[str, Any], webhook: str) -> None:
    # The Go samples' worker ServiceAccount, Role and RoleBinding, as written.
    plurals = {"ServiceAccount": "serviceaccounts", "Role": "roles", "RoleBinding": "rolebindings"}
    for doc in _load_all(_git("show", "HEAD:config/samples/gatling-worker-service-account.yaml")):
        k8s.create(plurals[doc["kind"]], NS, doc)
    # The sample notification Secret, its URL pointing to our receiver.
    secret = _load_all(_git("show", f"HEAD:config/samples/{SLACK_SECRET}.yaml"))[0]
    secret["data"] = {"incoming-webhook-url": base64.b64encode(webhook.encode()).decode()}
    k8s.create("secrets", NS, secret)
    wanted: dict[str, set[str]] = {}
    for name, key in _secret_refs(body):
        wanted.setdefault(name, set()).add(key)
    for name, keys in sorted(wanted.items()):
        data = {k: base64.b64encode(b"test-value").decode() for k in sorted(keys) if k}
        k8s.create("secrets", NS, {"metadata": {"name": name}, "data": data})


@pytest.fixture
def slack(httpserver: HTTPServer) -> tuple[str, list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        received.append(json.loads(request.data))
        return Response("ok")

    httpserver.expect_request("/slack", method="POST").respond_with_handler(handler)
    return httpserver.url_for("/slack"), received


def _storage_settings(request: pytest.FixtureRequest, body: dict[str, Any]) -> StorageSettings:
    """Settings reaching the emulator of the resource's provider, its bucket created there."""
    storage = body["spec"].get("cloudStorageSpec") or {}
    provider, bucket = storage.get("provider"), storage.get("bucket")
    if not body["spec"].get("generateReport") or not provider:
        return emulators.TEST_SETTINGS
    if provider in ("aws", "s3"):
        endpoint = request.getfixturevalue("s3_server")
        client = emulators.s3_client(endpoint)
        if bucket not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
            client.create_bucket(Bucket=bucket)
        return emulators.s3_settings(endpoint)
    if provider == "gcp":
        endpoint = request.getfixturevalue("gcs_server")
        try:
            emulators.gcs_create_bucket(endpoint, bucket)
        except Exception as exc:  # already there, from an earlier test of the session
            if "409" not in str(exc) and "already" not in str(exc).lower():
                raise
        return emulators.gcs_settings(endpoint)
    if provider == "azure":
        account_url = request.getfixturevalue("azurite_server")
        try:
            emulators.azure_create_container(account_url, bucket)
        except Exception as exc:
            if "ContainerAlreadyExists" not in str(exc):
                raise
        return emulators.azure_settings(account_url)
    raise AssertionError(f"a Go resource with storage provider {provider!r}")


def _reporter_uploads_report(
    k8s: KubernetesEmulator, storage_settings: StorageSettings
) -> PhasePolicy:
    """Pods run briefly; a reporter pod, as it succeeds, puts a report where its run's is due."""
    base = timed(pending=0.02, running=0.1)

    def policy(job: dict[str, Any], pod: dict[str, Any], age: float) -> str:
        phase = base(job, pod, age)
        labels = pod["metadata"].get("labels") or {}
        if labels.get("type") != "reporter" or phase != "Succeeded":
            return phase
        owner = job["metadata"]["ownerReferences"][0]["name"]
        gatling = parse_gatling(k8s.get("gatlings", job["metadata"]["namespace"], owner))
        storage = run_storage(gatling, SETTINGS)
        assert storage is not None
        store = open_storage(storage.url, storage_settings)
        counts = {"total": 200, "ok": 200, "ko": 0}
        stats = {"numberOfRequests": counts, "percentiles3": {"total": 90}}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "global_stats.json"
            path.write_text(json.dumps(stats))
            store.upload_file(path, "js/global_stats.json")
        return phase

    return policy


def _added(k8s: KubernetesEmulator, kind: str, name: str) -> dict[str, Any] | None:
    for event in k8s.store.events_after(0):
        obj = event.obj
        if event.type == "ADDED" and event.kind.kind == kind and obj["metadata"]["name"] == name:
            return copy.deepcopy(obj)
    return None


def _phases(k8s: KubernetesEmulator, name: str) -> list[str]:
    """The Gatling's status phases in the order they were recorded (repeats collapsed)."""
    phases: list[str] = []
    for event in k8s.store.events_after(0):
        if event.kind.kind == "Gatling" and event.obj["metadata"]["name"] == name:
            phase = (event.obj.get("status") or {}).get("phase")
            if phase and (not phases or phases[-1] != phase):
                phases.append(phase)
    return phases


# --- the lifecycle ------------------------------------------------------------------------------


def _name(resource: GoResource, index: int) -> str:
    given = (resource.body.get("metadata") or {}).get("name") if resource.body.get("kind") else None
    if given:  # several guide blocks share a name; each test has an API server of its own
        return str(given)
    return f"go-guide-{index:02d}"


@pytest.mark.parametrize("index", range(len(IDS)), ids=IDS)
def test_go_resource_runs_through_the_lifecycle(
    index: int,
    k8s: KubernetesEmulator,
    slack: tuple[str, list[dict[str, Any]]],
    request: pytest.FixtureRequest,
) -> None:
    _require_mirror()
    resource = RESOURCES[index]
    name = _name(resource, index)
    body = completed(resource, name)
    webhook, notices = slack
    _create_support(k8s, body, webhook)
    storage_settings = _storage_settings(request, body)
    k8s.create("gatlings", NS, body)
    stored = k8s.get("gatlings", NS, name)
    assert stored["spec"] == body["spec"]  # created as written

    spec = body["spec"]
    reports = bool(spec.get("generateReport") and (spec.get("cloudStorageSpec") or {}))
    notifies = bool(spec.get("notifyReport") and spec.get("notificationServiceSpec"))
    cleans = bool(spec.get("cleanupAfterJobDone"))

    def done() -> bool:
        if cleans:
            return gone(k8s, "gatlings", name)
        status = k8s.get("gatlings", NS, name).get("status") or {}
        return status.get("phase") == "Succeeded" and (
            not notifies or bool(status.get("notificationCompleted"))
        )

    kube = Kube(k8s.api_client("controller"))
    reconciler = Reconciler(kube, SETTINGS, storage_settings=storage_settings)
    with JobController(k8s.store, _reporter_uploads_report(k8s, storage_settings), tick=0.02):
        controller = Controller(kube, reconciler, SETTINGS).start()
        try:
            wait_for(f"{name} to finish", done, timeout=60)
            if notifies:
                wait_for("the notification", lambda: notices)
        finally:
            controller.stop()

    scenario = spec.get("testScenarioSpec") or {}
    pod = spec.get("podSpec") or {}
    parallelism = scenario.get("parallelism") or 1
    runner = _added(k8s, "Job", f"{name}-runner")
    assert runner is not None
    assert (runner["spec"]["parallelism"], runner["spec"]["completions"]) == (parallelism,) * 2
    assert runner["spec"]["backoffLimit"] == 0
    template = runner["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in template["containers"]}
    gatling_container = containers["gatling-runner"]
    assert gatling_container["image"] == pod.get("gatlingImage", DEFAULT_GATLING_IMAGE)
    env = gatling_container["env"]
    assert env[: len(scenario.get("env") or [])] == (scenario.get("env") or [])
    assert ("gatling-transferer" in containers) == reports
    assert template.get("serviceAccountName") == pod.get("serviceAccountName")
    for key in ("affinity", "tolerations", "securityContext"):
        assert template.get(key) == pod.get(key), key
    if pod.get("resources"):
        assert gatling_container["resources"] == pod["resources"]
    if pod.get("runnerContainerSecurityContext"):
        assert gatling_container["securityContext"] == pod["runnerContainerSecurityContext"]
    for volume in pod.get("volumes") or []:
        assert volume in template["volumes"]
    for mount in scenario.get("volumeMounts") or []:
        assert mount in gatling_container["volumeMounts"]
    for key, kind in (("persistentVolume", "PersistentVolume"),
                      ("persistentVolumeClaim", "PersistentVolumeClaim")):  # fmt: skip
        if spec.get(key):
            created = _added(k8s, kind, spec[key]["name"])
            assert created is not None, kind
            assert created["spec"] == spec[key]["spec"]
    for data, suffix in (("simulationData", "simulations-data"), ("resourceData", "resources-data"),
                         ("gatlingConf", "gatling-conf")):  # fmt: skip
        cm = _added(k8s, "ConfigMap", f"{name}-{suffix}")
        assert (cm["data"] if cm else None) == (scenario.get(data) or None), data

    reporter = _added(k8s, "Job", f"{name}-reporter")
    assert (reporter is not None) == reports
    if reporter is not None:
        # As the Go operator: Kubernetes' defaults, one pod retried up to 6 times.
        r = reporter["spec"]
        assert (r["backoffLimit"], r["parallelism"], r["completions"]) == (6, 1, 1)
        assert r["template"]["spec"]["restartPolicy"] == "Never"

    phases = _phases(k8s, name)
    assert phases[-1] == "Succeeded" and "Failed" not in phases
    expected = ["Running", *(["Reporting"] if reports else []), "Succeeded"]
    assert [p for p in phases if p != "Notifying"] == expected
    if cleans:
        for plural, child in [("jobs", f"{name}-runner"), ("jobs", f"{name}-reporter"),
                              ("configmaps", f"{name}-simulations-data")]:  # fmt: skip
            assert gone(k8s, plural, child)
        if spec.get("persistentVolumeClaim"):
            assert gone(k8s, "persistentvolumeclaims", spec["persistentVolumeClaim"]["name"])
    else:
        assert not gone(k8s, "jobs", f"{name}-runner")
    if notifies:
        assert len(notices) == 1
        assert "Gatling has completed successfully!" in json.dumps(notices[0])
    else:
        assert notices == []


def test_the_mirror_holds_what_the_tests_expect() -> None:
    """The samples and guide blocks were all found (a moved file would silently test less)."""
    _require_mirror()
    samples = [r for r in RESOURCES if r.source.startswith("config/samples/")]
    assert len(samples) == 3
    guides = [r for r in RESOURCES if r.source.startswith("docs/")]
    assert len(guides) >= 15
    assert all(not r.fragment for r in samples)


def test_a_failed_reporter_pod_is_retried_as_by_the_go_operator(
    k8s: KubernetesEmulator, slack: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """The reporter Job keeps Kubernetes' backoffLimit (6): one failed pod does not fail the run."""
    local = {"provider": "local", "bucket": str(tmp_path)}
    body = {
        "apiVersion": API_VERSION,
        "kind": "Gatling",
        "metadata": {"name": "retry"},
        "spec": _merge(MINIMAL_SPEC, {"generateReport": True, "cloudStorageSpec": local}),
    }
    k8s.create("gatlings", NS, body)
    jc = JobController(k8s.store, _reporter_uploads_report(k8s, emulators.TEST_SETTINGS), tick=0.02)
    jc.script(NS, "retry-reporter", ["Failed"])
    kube = Kube(k8s.api_client("controller"))
    with jc:
        controller = Controller(kube, Reconciler(kube, SETTINGS), SETTINGS).start()
        try:
            status = wait_for(
                "the run to end",
                lambda: (
                    (s := k8s.get("gatlings", NS, "retry").get("status") or {}).get("phase")
                    in ("Succeeded", "Failed")
                    and s
                ),
            )
        finally:
            controller.stop()
    assert status["phase"] == "Succeeded", status.get("error")
    assert status["reportCompleted"] is True
    job = k8s.get("jobs", NS, "retry-reporter")
    assert (job["status"]["failed"], job["status"]["succeeded"]) == (1, 1)
