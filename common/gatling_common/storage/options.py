"""Click options for every storage setting, each also an environment variable.

Only CLIs read the environment; library code receives a `StorageSettings`. Usage::

    import click
    from typing import Any

    from gatling_common.storage import open_storage
    from gatling_common.storage.options import settings_from_options, storage_options

    @click.command()
    @click.option("--destination", envvar="DESTINATION", required=True)
    @storage_options
    def main(destination: str, **storage: Any) -> None:
        settings = settings_from_options(storage)  # pops the storage options from `storage`
        store = open_storage(destination, settings)

Credentials that are not options here (AWS profile/IRSA, GCS application default credentials,
Azure DefaultAzureCredential) come from each SDK's own default chain. The Go gatling-operator's
variables are read too: RCLONE_S3_ENDPOINT, RCLONE_S3_REGION, RCLONE_S3_ACCESS_KEY_ID and
RCLONE_S3_SECRET_ACCESS_KEY, AWS_ACCESS_KEY and AWS_SECRET_KEY, each after our own name.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

import click

from gatling_common.retry import RetryPolicy
from gatling_common.storage.base import StorageSettings

F = TypeVar("F", bound=Callable[..., Any])

_MIB = 1024 * 1024

# (parameter name, click decls, click keyword arguments); the parameter names are what
# `settings_from_options` pops, so they must stay unique across the host command's options.
_OPTIONS: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
    (
        "endpoint_url",
        ("--endpoint-url",),
        {
            # The Go operator's (rclone's) name second: ours wins when both are set.
            "envvar": ["AWS_ENDPOINT_URL", "RCLONE_S3_ENDPOINT"],
            "help": "S3 endpoint for S3-compatible stores (MinIO, Ceph) and emulators.",
        },
    ),
    (
        "region",
        ("--region",),
        {
            "envvar": ["AWS_REGION", "RCLONE_S3_REGION"],
            "help": "S3 region (default: the AWS default chain's).",
        },
    ),
    (
        "s3_access_key_id",
        ("--s3-access-key-id",),
        {
            # The standard name first, then the aliases of the Go operator's user guide.
            "envvar": ["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "RCLONE_S3_ACCESS_KEY_ID"],
            "help": "S3 access key id (prefer the env var; default: the AWS default chain).",
        },
    ),
    (
        "s3_secret_access_key",
        ("--s3-secret-access-key",),
        {
            "envvar": ["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "RCLONE_S3_SECRET_ACCESS_KEY"],
            "help": "S3 secret access key (set it as the env var: options show in `ps`).",
        },
    ),
    (
        "s3_session_token",
        ("--s3-session-token",),
        {
            "envvar": ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"],
            "help": "S3 session token of temporary credentials.",
        },
    ),
    (
        "path_style",
        ("--path-style/--virtual-hosted-style",),
        {
            "envvar": "S3_FORCE_PATH_STYLE",
            "default": None,
            "help": "S3 addressing; default: path style when an endpoint URL is set.",
        },
    ),
    (
        "gcs_endpoint_url",
        ("--gcs-endpoint-url",),
        {
            "envvar": "STORAGE_EMULATOR_HOST",
            "help": "GCS emulator URL (anonymous credentials are used against it).",
        },
    ),
    (
        "gcs_project",
        ("--gcs-project",),
        {"envvar": "GOOGLE_CLOUD_PROJECT", "help": "GCS project (default: from credentials)."},
    ),
    (
        "azure_connection_string",
        ("--azure-connection-string",),
        {
            "envvar": "AZURE_STORAGE_CONNECTION_STRING",
            "help": "Azure storage connection string (wins over the other Azure options).",
        },
    ),
    (
        "azure_account_url",
        ("--azure-account-url",),
        {
            "envvar": "AZURE_STORAGE_ACCOUNT_URL",
            "help": "https://<account>.blob.core.windows.net, or a SAS URL for the account or "
            "for the location's container (.../<container>?sv=...; the Go operator's "
            "AZUREBLOB_SAS_URL) (default: from the account name AZURE_STORAGE_ACCOUNT).",
        },
    ),
    (
        "azure_account",
        ("--azure-account",),
        {"envvar": "AZURE_STORAGE_ACCOUNT", "help": "Azure storage account name."},
    ),
    (
        "azure_account_key",
        ("--azure-account-key",),
        {
            "envvar": "AZURE_STORAGE_KEY",
            "help": "Azure account key (default: SAS in the URL, or DefaultAzureCredential).",
        },
    ),
    (
        "multipart_threshold_mib",
        ("--multipart-threshold",),
        {
            "envvar": "STORAGE_MULTIPART_THRESHOLD_MIB",
            "type": click.FloatRange(min=1),
            "default": StorageSettings.multipart_threshold / _MIB,
            "show_default": True,
            "help": "Upload in parts above this size (MiB).",
        },
    ),
    (
        "chunk_size_mib",
        ("--chunk-size",),
        {
            "envvar": "STORAGE_CHUNK_SIZE_MIB",
            "type": click.FloatRange(min=1),
            "default": StorageSettings.chunk_size / _MIB,
            "show_default": True,
            "help": "Part size of multipart uploads (MiB; S3 needs at least 5).",
        },
    ),
    (
        "storage_concurrency",
        ("--storage-concurrency",),
        {
            "envvar": "STORAGE_CONCURRENCY",
            "type": click.IntRange(min=1),
            "default": StorageSettings.max_concurrency,
            "show_default": True,
            "help": "Parts transferred in parallel.",
        },
    ),
    (
        "storage_attempts",
        ("--storage-attempts",),
        {
            "envvar": "STORAGE_ATTEMPTS",
            "type": click.IntRange(min=1),
            "default": RetryPolicy.attempts,
            "show_default": True,
            "help": "Attempts of a whole storage operation before giving up.",
        },
    ),
]

OPTION_NAMES = tuple(name for name, _, _ in _OPTIONS)


def storage_options(fn: F) -> F:
    """Add every storage option (with its env var) to a click command."""
    for name, decls, kwargs in reversed(_OPTIONS):
        fn = click.option(*decls, name, show_envvar=True, **kwargs)(fn)
    return fn


def settings_from_options(values: MutableMapping[str, Any]) -> StorageSettings:
    """Pop the storage options out of a command's keyword arguments and build the settings."""
    v = {name: values.pop(name, None) for name in OPTION_NAMES}
    account_url = v["azure_account_url"]
    if not account_url and v["azure_account"]:
        account_url = f"https://{v['azure_account']}.blob.core.windows.net"
    defaults = StorageSettings()
    return StorageSettings(
        endpoint_url=v["endpoint_url"] or None,
        region=v["region"] or None,
        path_style=v["path_style"],
        s3_access_key_id=v["s3_access_key_id"] or None,
        s3_secret_access_key=v["s3_secret_access_key"] or None,
        s3_session_token=v["s3_session_token"] or None,
        gcs_endpoint_url=_emulator_url(v["gcs_endpoint_url"]),
        gcs_project=v["gcs_project"] or None,
        azure_connection_string=v["azure_connection_string"] or None,
        azure_account_url=account_url or None,
        azure_account_key=v["azure_account_key"] or None,
        multipart_threshold=_mib(v["multipart_threshold_mib"], defaults.multipart_threshold),
        chunk_size=_mib(v["chunk_size_mib"], defaults.chunk_size),
        max_concurrency=v["storage_concurrency"] or defaults.max_concurrency,
        retry=RetryPolicy(attempts=v["storage_attempts"] or defaults.retry.attempts),
    )


def _mib(value: float | None, default: int) -> int:
    return int(value * _MIB) if value else default


def _emulator_url(host: str | None) -> str | None:
    """STORAGE_EMULATOR_HOST is often written without a scheme (`localhost:4443`)."""
    if not host:
        return None
    return host if "://" in host else f"http://{host}"
