"""The pure builders: whole-object goldens, schema validity, and hostile inputs staying data."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from gatling_common.errors import InputError
from gatling_controller.builders import (
    build_configmaps,
    build_persistent_volume,
    build_persistent_volume_claim,
    build_reporter_job,
    build_runner_job,
    run_storage,
)
from gatling_controller.models import parse_gatling
from gatling_controller.runner_script import RUNNER_SCRIPT
from gatling_controller.settings import ControllerSettings

from tests.controller.crs import FULL, MINIMAL, cr
from tests.controller.k8s_schema import assert_valid

GOLDEN = Path(__file__).parent / "golden"
SETTINGS = ControllerSettings(
    waiter_image="registry.example/gatling-waiter:1",
    transferer_image="registry.example/gatling-transferer:1",
    reporter_image="registry.example/gatling-reporter:1",
)
LOCAL = cr(FULL, cloudStorageSpec={"provider": "local", "bucket": "/srv/reports"})


def _objects() -> dict[str, Any]:
    full = parse_gatling(FULL)
    local = parse_gatling(LOCAL)
    minimal = parse_gatling(MINIMAL)
    return {
        "minimal-runner-job": build_runner_job(minimal, SETTINGS),
        "minimal-configmaps": build_configmaps(minimal),
        "full-runner-job": build_runner_job(full, SETTINGS),
        "full-reporter-job": build_reporter_job(full, SETTINGS),
        "full-configmaps": build_configmaps(full),
        "full-pv": build_persistent_volume(full),
        "full-pvc": build_persistent_volume_claim(full),
        "local-runner-job": build_runner_job(local, SETTINGS),
        "local-reporter-job": build_reporter_job(local, SETTINGS),
    }


OBJECTS = _objects()


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_golden(name: str) -> None:
    # GATLING_UPDATE_GOLDEN=1 rewrites the files; review the diff before committing.
    path = GOLDEN / f"{name}.json"
    if os.environ.get("GATLING_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(OBJECTS[name], indent=2, sort_keys=True) + "\n")
    assert OBJECTS[name] == json.loads(path.read_text())


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_generated_objects_pass_the_official_schema(name: str) -> None:
    obj = OBJECTS[name]
    for item in obj if isinstance(obj, list) else [obj]:
        assert_valid(item)


def test_minimal_has_no_transferer_and_no_reporter_storage() -> None:
    minimal = parse_gatling(MINIMAL)
    job = build_runner_job(minimal, SETTINGS)
    names = [c["name"] for c in job["spec"]["template"]["spec"]["containers"]]
    assert names == ["gatling-runner"]
    assert run_storage(minimal, SETTINGS) is None
    with pytest.raises(ValueError):
        build_reporter_job(minimal, SETTINGS)


def test_storage_urls_follow_the_go_operator_per_provider() -> None:
    def urls(provider: str, **extra: Any) -> tuple[str, str]:
        gatling = parse_gatling(
            cr(MINIMAL, cloudStorageSpec={"provider": provider, "bucket": "b", **extra})
        )
        storage = run_storage(gatling, SETTINGS)
        assert storage is not None
        return storage.url, storage.report_url

    rid = "0be90edbae5f"  # sha256("uid-minimal")[:12]
    assert urls("aws") == (
        f"s3://b/minimal/{rid}",
        f"https://b.s3.amazonaws.com/minimal/{rid}/index.html",
    )
    assert urls("gcp") == (
        f"gs://b/minimal/{rid}",
        f"https://storage.googleapis.com/b/minimal/{rid}/index.html",
    )
    assert urls("azure", env=[{"name": "AZUREBLOB_ACCOUNT", "value": "acct"}]) == (
        f"az://b/minimal/{rid}",
        f"https://acct.blob.core.windows.net/b/minimal/{rid}/index.html",
    )


GO_S3_ENV = [  # the Go user guide's S3-compatible example
    {"name": "RCLONE_S3_PROVIDER", "value": "Other"},
    {"name": "RCLONE_S3_ACCESS_KEY_ID",
     "valueFrom": {"secretKeyRef": {"name": "s3-keys", "key": "S3_ACCESS_KEY"}}},
    {"name": "RCLONE_S3_SECRET_ACCESS_KEY",
     "valueFrom": {"secretKeyRef": {"name": "s3-keys", "key": "S3_SECRET_ACCESS"}}},
    {"name": "RCLONE_S3_ENDPOINT", "value": "https://s3.de.io.cloud.ovh.net/"},
    {"name": "RCLONE_S3_REGION", "value": "de"},
]  # fmt: skip


def test_go_s3_compatible_storage_reaches_the_pods_and_the_report_url() -> None:
    raw = cr(MINIMAL, generateReport=True)
    raw["spec"]["cloudStorageSpec"] = {
        "provider": "aws", "bucket": "gatling-operator-reports", "region": "de", "env": GO_S3_ENV,
    }  # fmt: skip
    gatling = parse_gatling(raw)
    storage = run_storage(gatling, SETTINGS)
    assert storage is not None
    assert storage.report_url == (
        "https://s3.de.io.cloud.ovh.net/gatling-operator-reports/minimal/0be90edbae5f/index.html"
    )
    for job in (build_runner_job(gatling, SETTINGS), build_reporter_job(gatling, SETTINGS)):
        for container in job["spec"]["template"]["spec"]["containers"]:
            if container["name"] == "gatling-runner":
                continue
            env = container["env"]
            by_name = {e["name"]: e for e in env}
            assert len(by_name) == len(env), "no variable twice"
            assert by_name["AWS_ACCESS_KEY_ID"]["valueFrom"] == GO_S3_ENV[1]["valueFrom"]
            assert by_name["AWS_SECRET_ACCESS_KEY"]["valueFrom"] == GO_S3_ENV[2]["valueFrom"]
            assert by_name["AWS_ENDPOINT_URL"]["value"] == "https://s3.de.io.cloud.ovh.net/"
            assert by_name["AWS_REGION"]["value"] == "de"


def test_a_users_own_aws_variables_win_over_the_go_aliases() -> None:
    raw = cr(MINIMAL, generateReport=True)
    env = [
        {"name": "AWS_ACCESS_KEY_ID", "value": "mine"},
        {"name": "AWS_ACCESS_KEY", "value": "go"},
    ]
    raw["spec"]["cloudStorageSpec"] = {"provider": "aws", "bucket": "b", "env": env}
    container = build_reporter_job(parse_gatling(raw), SETTINGS)["spec"]["template"]["spec"][
        "containers"
    ][0]
    keys = [e.get("value") for e in container["env"] if e["name"] == "AWS_ACCESS_KEY_ID"]
    assert keys == ["mine"]


HOSTILE = ["x; rm -rf /", "$(id)", "`id`", "a'b\"c", "line1\nline2", "${HOME}", "-rf"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_start_time_is_refused_naming_the_field(value: str) -> None:
    raw = cr(MINIMAL)
    raw["spec"]["testScenarioSpec"]["startTime"] = value
    with pytest.raises(InputError) as err:
        parse_gatling(raw)
    assert str(err.value).startswith(f"Gatling spec.testScenarioSpec.startTime {value!r} is not a")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_only_reach_containers_as_env_values(value: str) -> None:
    raw = cr(MINIMAL, generateReport=True)
    raw["spec"]["cloudStorageSpec"] = {"provider": "aws", "bucket": "b"}
    scenario = raw["spec"]["testScenarioSpec"]
    scenario["simulationClass"] = value
    scenario["env"] = [{"name": "USER_VALUE", "value": value}]
    raw["spec"]["reporterSpec"] = {"thresholds": [value]}
    gatling = parse_gatling(raw)
    for job in (build_runner_job(gatling, SETTINGS), build_reporter_job(gatling, SETTINGS)):
        pod = job["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert "args" not in container
            # The only shell text anywhere is the constant script; other commands are fixed argv.
            if container["command"] != ["/bin/sh", "-c", RUNNER_SCRIPT]:
                assert all(value not in part for part in container["command"])
    runner = build_runner_job(gatling, SETTINGS)["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in runner["env"]}
    assert env["GATLING_FLEET_SIMULATION_CLASS"] == value
    assert env["USER_VALUE"] == value


def test_invalid_specs_are_named() -> None:
    bad_parallelism = cr(MINIMAL)
    bad_parallelism["spec"]["testScenarioSpec"]["parallelism"] = 0
    with pytest.raises(InputError, match=r"testScenarioSpec.parallelism is 0"):
        parse_gatling(bad_parallelism)
    with pytest.raises(InputError, match=r"cloudStorageSpec.provider is 'dropbox'"):
        parse_gatling(cr(MINIMAL, cloudStorageSpec={"provider": "dropbox", "bucket": "b"}))
    with pytest.raises(InputError, match=r"simulationsFormat is 'maven'"):
        raw = cr(MINIMAL)
        raw["spec"]["testScenarioSpec"]["simulationsFormat"] = "maven"
        parse_gatling(raw)
    with pytest.raises(InputError, match=r"provider local needs an absolute path"):
        parse_gatling(cr(MINIMAL, cloudStorageSpec={"provider": "local", "bucket": "rel"}))


def test_go_operator_azure_variables_reach_our_storage_layer() -> None:
    secret = {"secretKeyRef": {"name": "az", "key": "key"}}
    storage = {
        "provider": "azure",
        "bucket": "c",
        "env": [
            {"name": "AZUREBLOB_ACCOUNT", "value": "acct"},
            {"name": "AZUREBLOB_KEY", "valueFrom": secret},
        ],
    }
    gatling = parse_gatling(cr(MINIMAL, generateReport=True, cloudStorageSpec=storage))
    transferer = build_runner_job(gatling, SETTINGS)["spec"]["template"]["spec"]["containers"][1]
    assert transferer["env"][:4] == [
        {"name": "AZUREBLOB_ACCOUNT", "value": "acct"},
        {"name": "AZUREBLOB_KEY", "valueFrom": secret},
        {"name": "AZURE_STORAGE_ACCOUNT", "value": "acct"},
        {"name": "AZURE_STORAGE_KEY", "valueFrom": secret},
    ]


def test_job_specs_are_the_go_operators() -> None:
    """Go: the runner Job has backoffLimit 0 and parallelism = completions = N; the reporter Job
    sets none of them, so Kubernetes' defaults apply (backoffLimit 6: a failed pod is retried)."""
    full = parse_gatling(FULL)
    runner = build_runner_job(full, SETTINGS)["spec"]
    assert (runner["backoffLimit"], runner["parallelism"], runner["completions"]) == (0, 3, 3)
    assert runner["template"]["spec"]["restartPolicy"] == "Never"
    quiet = parse_gatling(cr(FULL, reporterSpec={}))
    for gatling in (quiet, full):
        reporter = build_reporter_job(gatling, SETTINGS)["spec"]
        assert {"backoffLimit", "parallelism", "completions"}.isdisjoint(reporter)
        assert "ttlSecondsAfterFinished" not in reporter and "ttlSecondsAfterFinished" not in runner
        assert reporter["template"]["spec"]["restartPolicy"] == "Never"
    # Ours only: failed thresholds (exit code 3) are a verdict, not retried.
    assert "podFailurePolicy" not in build_reporter_job(quiet, SETTINGS)["spec"]
    [rule] = build_reporter_job(full, SETTINGS)["spec"]["podFailurePolicy"]["rules"]
    assert rule == {
        "action": "FailJob",
        "onExitCodes": {"containerName": "gatling-reporter", "operator": "In", "values": [3]},
    }
