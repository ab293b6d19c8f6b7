"""`gatling-controller render`: every object the controller would create, printed offline."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from gatling_controller.cli import main
from gatling_controller.kube import Kube
from gatling_controller.reconciler import Reconciler
from gatling_kube_emulator.server import KubernetesEmulator

from tests.controller.crs import FULL, MINIMAL
from tests.controller.harness import NS, SETTINGS, gatling_cr

GOLDEN = Path(__file__).parent / "golden"
IMAGES = [
    "--waiter-image",
    "registry.example/gatling-waiter:1",
    "--transferer-image",
    "registry.example/gatling-transferer:1",
    "--reporter-image",
    "registry.example/gatling-reporter:1",
]  # fmt: skip; the images of test_builders' goldens


def _render(tmp_path: Path, *docs: Any, args: tuple[str, ...] = ()) -> Any:
    path = tmp_path / "cr.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return CliRunner().invoke(main, [*IMAGES, "render", "-f", str(path), *args], env={})


def _golden(name: str) -> Any:
    return json.loads((GOLDEN / f"{name}.json").read_text())


def test_full_resource_renders_the_builders_goldens_in_creation_order(tmp_path: Path) -> None:
    result = _render(tmp_path, FULL)
    assert result.exit_code == 0, result.output
    expected = [
        *_golden("full-configmaps"),
        _golden("full-pv"),
        _golden("full-pvc"),
        _golden("full-runner-job"),
        _golden("full-reporter-job"),
    ]
    assert list(yaml.safe_load_all(result.output)) == expected


def test_output_is_the_reviewed_yaml(tmp_path: Path) -> None:
    # GATLING_UPDATE_GOLDEN=1 rewrites the file; review the diff before committing.
    result = _render(tmp_path, MINIMAL)
    assert result.exit_code == 0, result.output
    path = GOLDEN / "render-minimal.yaml"
    if os.environ.get("GATLING_UPDATE_GOLDEN") == "1":
        path.write_text(result.output)
    assert result.output == path.read_text()
    head = "# Gatling load/minimal (uid uid-minimal): no storage\n---\napiVersion: batch/v1\n"
    assert result.output.startswith(head)
    block = "command:\n        - /bin/sh\n        - -c\n        - |\n          set -u\n"
    assert block in result.output  # the runner script as a readable block


def test_other_kinds_are_skipped_and_a_missing_uid_gets_a_placeholder(tmp_path: Path) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hook"}}
    cr = {**MINIMAL, "metadata": {"name": "nouid"}}
    result = _render(tmp_path, secret, cr)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "# Gatling default/nouid (uid 00000000-0000-0000-0000-000000000000): no storage"
    )
    kinds = [d["kind"] for d in yaml.safe_load_all(result.output)]
    assert kinds == ["Job"]  # MINIMAL has no data for ConfigMaps and no report


def test_uid_option_reproduces_a_real_runs_storage_path(tmp_path: Path) -> None:
    one = _render(tmp_path, FULL, args=("--uid", "u-1")).output.splitlines()[0]
    two = _render(tmp_path, FULL, args=("--uid", "u-2")).output.splitlines()[0]
    assert one.startswith("# Gatling load/full (uid u-1): storage s3://") and one != two


def test_render_equals_what_the_reconciler_creates(k8s: KubernetesEmulator, tmp_path: Path) -> None:
    body = gatling_cr("same", tmp_path, notifyReport=False)
    k8s.create("gatlings", NS, body)
    uid = k8s.get("gatlings", NS, "same")["metadata"]["uid"]
    Reconciler(Kube(k8s.api_client("controller")), SETTINGS).reconcile(NS, "same")
    created = {
        (o["kind"], o["metadata"]["name"]): o
        for plural, kind in (("configmaps", "ConfigMap"), ("jobs", "Job"))
        for o in ({**x, "kind": kind} for x in k8s.list(plural, NS))
    }
    path = tmp_path / "same.yaml"
    path.write_text(yaml.safe_dump({**body, "metadata": {**body["metadata"], "namespace": NS}}))
    result = CliRunner().invoke(main, ["render", "-f", str(path), "--uid", uid], env={})
    assert result.exit_code == 0, result.output
    rendered = list(yaml.safe_load_all(result.output))
    # The reporter Job comes after the runner's success; everything before it exists now.
    assert [(o["kind"], o["metadata"]["name"]) for o in rendered[:-1]] == list(created)
    for obj in rendered[:-1]:
        live = created[(obj["kind"], obj["metadata"]["name"])]
        assert _contained(obj, live), obj["metadata"]["name"]


def _contained(rendered: Any, live: Any) -> bool:
    """`rendered` as the server keeps it: live objects also carry the fields the server fills in
    (uid, selector, completionMode, controller-uid labels...)."""
    if isinstance(rendered, dict):
        return isinstance(live, dict) and all(
            k in live and _contained(v, live[k]) for k, v in rendered.items()
        )
    if isinstance(rendered, list):
        return (
            isinstance(live, list)
            and len(rendered) == len(live)
            and all(_contained(r, x) for r, x in zip(rendered, live, strict=True))
        )
    return bool(rendered == live)


def test_errors_are_one_line_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Gatling\nspec: [\n")
    result = CliRunner().invoke(main, ["render", "-f", str(bad)], env={})
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {bad}: not YAML (")
    assert result.output.count("\n") == 1

    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hook"}}
    result = _render(tmp_path, secret)
    assert (result.exit_code, result.output) == (
        2, f"error: {tmp_path / 'cr.yaml'}: no document of kind Gatling\n"
    )  # fmt: skip

    broken = {**MINIMAL, "spec": {**MINIMAL["spec"], "testScenarioSpec": {"simulationClass": "S",
              "startTime": "soon"}}}  # fmt: skip
    result = _render(tmp_path, secret, broken)
    assert result.exit_code == 2
    assert result.output == (
        f"error: {tmp_path / 'cr.yaml'}: document 2: Gatling spec.testScenarioSpec.startTime "
        "'soon' is not a time; expected '2026-01-31 12:00:00' (UTC) or ISO 8601 like "
        "'2026-01-31T12:00:00Z'\n"
    )


def test_standard_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["render", "-f", "-"], input=yaml.safe_dump(MINIMAL), env={})
    assert result.exit_code == 0
    assert result.output.startswith("# Gatling load/minimal (uid uid-minimal): no storage\n")
