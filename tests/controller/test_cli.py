"""The gatling-controller CLI's own surface: help, and one-line errors with exit codes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from gatling_controller.cli import main


def test_help_lists_every_setting_with_its_env_var() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for option in (
        "--namespace",
        "--max-concurrent-reconciles",
        "--waiter-image",
        "--transferer-image",
        "--reporter-image",
        "--max-job-creation-wait-time",
        "--max-job-run-wait-time",
        "--resync-period",
        "--notification-template",
    ):
        assert option in result.output
    options = {p.name: p for p in main.params}
    assert options["max_job_creation_wait_time"].envvar == "MAX_JOB_CREATION_WAIT_TIME"
    assert options["max_job_run_wait_time"].envvar == "MAX_JOB_RUN_WAIT_TIME"
    assert all(p.envvar for p in main.params if p.name != "help")


def test_unusable_kubeconfig_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "kubeconfig"
    bad.write_text("not: [a kubeconfig")
    env = {"KUBERNETES_SERVICE_HOST": ""}
    result = CliRunner().invoke(main, ["--kubeconfig", str(bad)], env=env)
    assert result.exit_code == 2
    assert result.output == f"error: kubeconfig {bad}: while parsing a flow sequence\n"


def test_missing_kubeconfig_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    env = {"KUBERNETES_SERVICE_HOST": ""}
    result = CliRunner().invoke(main, ["--kubeconfig", str(missing)], env=env)
    assert result.exit_code == 2
    assert result.output == (
        f"error: kubeconfig {missing}: Invalid kube-config file. No configuration found.\n"
    )


def test_bad_option_value_exit_2() -> None:
    result = CliRunner().invoke(main, ["--max-concurrent-reconciles", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--max-concurrent-reconciles'" in result.output
