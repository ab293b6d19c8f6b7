"""The storage click options: env vars, defaults, and the settings they build."""

from __future__ import annotations

from typing import Any

import click
from click.testing import CliRunner
from gatling_common.retry import RetryPolicy
from gatling_common.storage import StorageSettings
from gatling_common.storage.options import settings_from_options, storage_options


@click.command()
@click.option("--destination", default="file:///tmp/x")
@storage_options
def _cmd(destination: str, **storage: Any) -> None:
    settings = settings_from_options(storage)
    assert storage == {}, "every storage option must be popped"
    _SEEN.append(settings)


_SEEN: list[StorageSettings] = []


_ENV_VARS = [
    var
    for param in _cmd.params
    if isinstance(param, click.Option) and param.envvar
    for var in ([param.envvar] if isinstance(param.envvar, str) else param.envvar)
]


def _settings_value(args: list[str], env: dict[str, str] | None = None) -> StorageSettings:
    # Unset every option's variable first: other fixtures (e.g. fake AWS credentials) set some.
    clean: dict[str, str | None] = dict.fromkeys(_ENV_VARS)
    result = CliRunner().invoke(_cmd, args, env={**clean, **(env or {})}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return _SEEN.pop()


def _settings(args: list[str], env: dict[str, str] | None = None) -> StorageSettings:
    return _settings_value(args, env)


def test_defaults_are_the_dataclass_defaults() -> None:
    assert _settings([]) == StorageSettings()


def test_environment_variables_fill_every_setting() -> None:
    env = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_REGION": "eu-west-3",
        "S3_FORCE_PATH_STYLE": "false",
        "STORAGE_EMULATOR_HOST": "127.0.0.1:4443",
        "GOOGLE_CLOUD_PROJECT": "proj",
        "AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true",
        "AZURE_STORAGE_ACCOUNT": "acct",
        "AZURE_STORAGE_KEY": "a2V5",
        "STORAGE_MULTIPART_THRESHOLD_MIB": "16",
        "STORAGE_CHUNK_SIZE_MIB": "5",
        "STORAGE_CONCURRENCY": "3",
        "STORAGE_ATTEMPTS": "2",
    }
    expected = StorageSettings(
        endpoint_url="http://127.0.0.1:9000",
        region="eu-west-3",
        path_style=False,
        gcs_endpoint_url="http://127.0.0.1:4443",
        gcs_project="proj",
        azure_connection_string="UseDevelopmentStorage=true",
        azure_account_url="https://acct.blob.core.windows.net",
        azure_account_key="a2V5",
        multipart_threshold=16 * 1024 * 1024,
        chunk_size=5 * 1024 * 1024,
        max_concurrency=3,
        retry=RetryPolicy(attempts=2),
    )
    got = _settings([], env)
    assert got == expected  # every field, those hidden from repr too
    assert "a2V5" not in repr(got) and "UseDevelopmentStorage" not in repr(got)


def test_options_win_over_environment() -> None:
    out = _settings(
        ["--endpoint-url", "http://a:1", "--path-style", "--azure-account-url", "http://b:2/acc"],
        {"AWS_ENDPOINT_URL": "http://env:1", "AZURE_STORAGE_ACCOUNT": "acct"},
    )
    expected = StorageSettings(
        endpoint_url="http://a:1", path_style=True, azure_account_url="http://b:2/acc"
    )
    assert out == expected


def test_help_lists_options_with_their_env_vars() -> None:
    result = CliRunner().invoke(_cmd, ["--help"])
    assert result.exit_code == 0
    options = ("--endpoint-url", "--path-style", "--azure-connection-string", "--storage-attempts")
    for text in options:
        assert text in result.output
    for var in _ENV_VARS:
        assert var in result.output  # each option names its environment variable
    assert all(p.envvar for p in _cmd.params if p.name not in ("destination", "help"))


def test_bad_value_is_a_usage_error() -> None:
    result = CliRunner().invoke(_cmd, ["--storage-attempts", "0"])
    assert result.exit_code == 2
    assert "--storage-attempts" in result.output


def test_the_go_operators_s3_variables_are_read() -> None:
    # As the Go operator's user guide writes an S3-compatible store (rclone's variables).
    got = _settings_value(
        [],
        {
            "RCLONE_S3_PROVIDER": "Other",
            "RCLONE_S3_ACCESS_KEY_ID": "go-key",
            "RCLONE_S3_SECRET_ACCESS_KEY": "go-secret",
            "RCLONE_S3_ENDPOINT": "https://s3.de.io.cloud.ovh.net",
            "RCLONE_S3_REGION": "de",
        },
    )
    assert (got.endpoint_url, got.region) == ("https://s3.de.io.cloud.ovh.net", "de")
    assert (got.s3_access_key_id, got.s3_secret_access_key) == ("go-key", "go-secret")
    assert "go-secret" not in repr(got)


def test_the_aws_aliases_and_precedence() -> None:
    aliases = _settings_value([], {"AWS_ACCESS_KEY": "alias-key", "AWS_SECRET_KEY": "alias-secret"})
    assert (aliases.s3_access_key_id, aliases.s3_secret_access_key) == ("alias-key", "alias-secret")
    both = _settings_value(
        [],
        {
            "AWS_ACCESS_KEY_ID": "std-key",
            "AWS_ACCESS_KEY": "alias-key",
            "RCLONE_S3_ACCESS_KEY_ID": "go-key",
            "AWS_SECRET_ACCESS_KEY": "std-secret",
            "RCLONE_S3_SECRET_ACCESS_KEY": "go-secret",
            "AWS_SESSION_TOKEN": "tok",
            "AWS_ENDPOINT_URL": "http://ours:9000",
            "RCLONE_S3_ENDPOINT": "http://go:9000",
        },
    )
    assert (both.s3_access_key_id, both.s3_secret_access_key) == ("std-key", "std-secret")
    assert (both.s3_session_token, both.endpoint_url) == ("tok", "http://ours:9000")


def test_a_sas_url_is_never_shown_in_settings() -> None:
    """A SAS URL's query is a credential: settings printed in a log must not carry it."""
    got = _settings_value(["--azure-account-url", "https://a.blob.core.windows.net/c?sig=s3cr3t"])
    assert got.azure_account_url is not None and "sig=s3cr3t" in got.azure_account_url
    assert "s3cr3t" not in repr(got)
