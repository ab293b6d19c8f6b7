"""Each platform's credential forms against the emulators, and what a wrong one looks like."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gatling_common.storage import (
    PermanentStorageError,
    RetryableStorageError,
    StorageSettings,
    open_storage,
)

from tests.support import emulators
from tests.support.emulators import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    TEST_SETTINGS,
    Target,
    s3_settings,
)
from tests.support.faultproxy import Fault, FaultProxy


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.log"
    path.write_bytes(os.urandom(100))
    return path


def test_s3_unknown_access_key_is_denied_naming_bucket_not_key(
    s3_auth_server: str, small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789")
    store = open_storage("s3://reports-bucket/run1", s3_settings(s3_auth_server))

    with pytest.raises(PermanentStorageError) as err:
        store.upload_file(small, "pod.log")

    message = str(err.value)
    assert message.startswith("access to bucket 'reports-bucket' denied (InvalidAccessKeyId")
    assert "s3://reports-bucket/run1/pod.log" in message
    assert "not-the-secret" not in message


def test_gcs_unusable_application_default_credentials(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No emulator endpoint: the SDK's ADC chain; a broken key file fails before any request."""
    bad = tmp_path / "key.json"
    bad.write_text('{"type": "service_account"}')
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(bad))
    store = open_storage("gs://results-bucket/run1", replace(TEST_SETTINGS, gcs_project="p"))

    with pytest.raises(PermanentStorageError, match="no usable GCS credentials") as err:
        store.upload_file(small, "pod.log")

    assert "results-bucket" in str(err.value)


@pytest.mark.parametrize("status", [401, 403])
def test_gcs_denied_is_permanent_and_not_retried(
    gcs_bucket: Target, small: Path, status: int
) -> None:
    endpoint = gcs_bucket.settings.gcs_endpoint_url or ""
    with FaultProxy(endpoint, [Fault.status_code(status, times=None)]) as proxy:
        settings = replace(gcs_bucket.settings, gcs_endpoint_url=proxy.url)
        # A 401 makes google-auth try to refresh; anonymous (emulator) credentials cannot.
        bucket = gcs_bucket.bucket
        pattern = (
            rf"(access to bucket '{bucket}' denied|no usable GCS credentials for bucket '{bucket}')"
        )
        with pytest.raises(PermanentStorageError, match=pattern):
            open_storage(gcs_bucket.url, settings).upload_file(small, "pod.log")
        assert proxy.count("POST") == 1, proxy.seen  # the upload was not retried


def test_azure_account_url_and_key(
    azure_container: Target, azurite_server: str, small: Path
) -> None:
    settings = replace(
        TEST_SETTINGS, azure_account_url=azurite_server, azure_account_key=AZURITE_KEY
    )
    store = open_storage(azure_container.url, settings)
    assert store.upload_file(small, "pod.log").size == 100
    assert store.public_url("pod.log") == f"{azurite_server}/{azure_container.bucket}/run1/pod.log"


def _sas_url(account_url: str, permission: str) -> str:
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    token = generate_account_sas(
        AZURITE_ACCOUNT,
        AZURITE_KEY,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(**dict.fromkeys(permission.split(), True)),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    return f"{account_url}?{token}"


def test_azure_sas_url(azure_container: Target, azurite_server: str, small: Path) -> None:
    url = _sas_url(azurite_server, "read write create list")
    store = open_storage(azure_container.url, replace(TEST_SETTINGS, azure_account_url=url))

    assert store.upload_file(small, "pod.log").size == 100
    assert [o.name for o in store.list()] == ["pod.log"]
    public = store.public_url("pod.log")
    assert public == f"{azurite_server}/{azure_container.bucket}/run1/pod.log"  # no token in it


def test_azure_read_only_sas_cannot_upload(
    azure_container: Target, azurite_server: str, small: Path
) -> None:
    url = _sas_url(azurite_server, "read list")
    store = open_storage(azure_container.url, replace(TEST_SETTINGS, azure_account_url=url))

    with pytest.raises(PermanentStorageError, match="denied") as err:
        store.upload_file(small, "pod.log")

    assert azure_container.bucket in str(err.value)
    assert "sig=" not in str(err.value)


def _container_sas_url(account_url: str, container: str, permission: str) -> str:
    """A SAS URL for one container, as the Go operator's AZUREBLOB_SAS_URL may be."""
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    token = generate_container_sas(
        AZURITE_ACCOUNT,
        container,
        account_key=AZURITE_KEY,
        permission=ContainerSasPermissions(**dict.fromkeys(permission.split(), True)),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    return f"{account_url}/{container}?{token}"


def test_azure_container_sas_url_reaches_that_container_once(
    azure_container: Target, azurite_server: str, small: Path, tmp_path: Path
) -> None:
    container = azure_container.bucket
    url = _container_sas_url(azurite_server, container, "read write create list")
    store = open_storage(azure_container.url, replace(TEST_SETTINGS, azure_account_url=url))

    assert store.upload_file(small, "pod.log").size == 100
    assert [o.name for o in store.list()] == ["pod.log"]
    assert store.head("pod.log").size == 100
    store.download_file("pod.log", tmp_path / "back.log")
    assert (tmp_path / "back.log").read_bytes() == small.read_bytes()
    # Seen with the account key: the blob is run1/pod.log, not <container>/run1/pod.log.
    keyed = open_storage(f"az://{container}", azure_container.settings)
    assert [o.name for o in keyed.list()] == ["run1/pod.log"]
    public = store.public_url("pod.log")
    assert public == f"{azurite_server}/{container}/run1/pod.log"  # once, and no token in it


def test_azure_container_sas_url_for_another_container_is_refused(
    azure_container: Target, azurite_server: str, small: Path
) -> None:
    url = _container_sas_url(azurite_server, "other-container", "read write create list")
    store = open_storage(azure_container.url, replace(TEST_SETTINGS, azure_account_url=url))

    with pytest.raises(PermanentStorageError) as err:
        store.upload_file(small, "pod.log")

    message = str(err.value)
    assert "'other-container'" in message
    assert azure_container.url in message
    assert "sig=" not in message


def test_azure_missing_blob_with_a_container_sas_is_not_found(
    azure_container: Target, azurite_server: str
) -> None:
    """A container SAS may not read the container's own properties: still a plain 'no such'."""
    url = _container_sas_url(azurite_server, azure_container.bucket, "read list")
    store = open_storage(azure_container.url, replace(TEST_SETTINGS, azure_account_url=url))

    assert not store.exists("pod.log")


def test_azure_without_any_credentials_is_a_clear_error(small: Path) -> None:
    store = open_storage("az://c1/run1", StorageSettings())
    with pytest.raises(
        PermanentStorageError,
        match=r"no Azure account for container 'c1' \(az://c1/run1\): give a connection",
    ):
        store.upload_file(small, "pod.log")


def test_gcs_unreachable_endpoint_is_named(small: Path) -> None:
    with FaultProxy("http://127.0.0.1:9") as proxy:
        endpoint = proxy.url  # was listening a moment ago; now nothing does
    settings = replace(TEST_SETTINGS, gcs_endpoint_url=endpoint)
    store = open_storage("gs://some-bucket/run1", settings)

    with pytest.raises(RetryableStorageError) as err:
        store.upload_file(small, "pod.log")

    assert str(err.value).startswith(
        f"cannot reach the GCS endpoint {endpoint} for bucket 'some-bucket' (Connection refused"
    )


def test_missing_emulator_fails_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulators, "AZURITE_BIN", tmp_path / "no-azurite")
    with pytest.raises(emulators.MissingEmulatorError, match="`make setup` installs it"):
        emulators.start_azurite()
