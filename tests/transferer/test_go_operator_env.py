"""S3-compatible storage set up as the Go operator's user guide does it: rclone's variables only."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gatling_common.storage import open_storage

from tests.support.emulators import AZURITE_ACCOUNT, AZURITE_KEY, Target
from tests.transferer.support import TRANSFERER, write_log

# Every variable that could point the SDK elsewhere is removed: only the rclone names remain.
OURS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION")
AZURE = ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY")


def _run(results: Path, destination: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in (*OURS, *AZURE) and not k.startswith("RCLONE_")
    }
    return subprocess.run(
        [str(TRANSFERER), "--results-dir", str(results), "--destination", destination,
         "--name", "pod-0", "--timeout", "30", "--settle", "0"],
        capture_output=True, text=True, check=False, timeout=120, env={**base, **env},
    )  # fmt: skip


def test_rclone_variables_alone_reach_an_s3_compatible_store(
    s3_bucket: Target, results_dir: Path
) -> None:
    log = write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    env = {
        "RCLONE_S3_PROVIDER": "Other",
        "RCLONE_S3_ACCESS_KEY_ID": "testing",
        "RCLONE_S3_SECRET_ACCESS_KEY": "testing",
        "RCLONE_S3_ENDPOINT": s3_bucket.settings.endpoint_url or "",
        "RCLONE_S3_REGION": "us-east-1",
    }
    done = _run(results_dir, s3_bucket.url, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{s3_bucket.url}/pod-0.log\n"
    stored = open_storage(s3_bucket.url, s3_bucket.settings).head("pod-0.log")
    assert stored.size == log.stat().st_size


def test_rclone_keys_are_the_ones_sent(s3_auth_server: str, results_dir: Path) -> None:
    write_log(results_dir)
    env = {
        "RCLONE_S3_ACCESS_KEY_ID": "AKIAGOOPERATORKEY001",
        "RCLONE_S3_SECRET_ACCESS_KEY": "go-operator-secret-0123",
        "RCLONE_S3_ENDPOINT": s3_auth_server,
        "RCLONE_S3_REGION": "us-east-1",
    }
    done = _run(results_dir, "s3://reports-bucket/run1", env)
    assert done.returncode == 2
    # The store saw our key (unknown to it), not "no credentials at all".
    assert "denied (InvalidAccessKeyId" in done.stderr.splitlines()[-1]
    assert "go-operator-secret" not in done.stderr


def test_container_level_sas_url_uploads_into_that_container_once(
    azure_container: Target, azurite_server: str, results_dir: Path
) -> None:
    """AZUREBLOB_SAS_URL for one container, as the controller passes it on."""
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    log = write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    container = azure_container.bucket
    token = generate_container_sas(
        AZURITE_ACCOUNT,
        container,
        account_key=AZURITE_KEY,
        permission=ContainerSasPermissions(read=True, write=True, create=True, list=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    env = {"AZURE_STORAGE_ACCOUNT_URL": f"{azurite_server}/{container}?{token}"}
    done = _run(results_dir, azure_container.url, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{azure_container.url}/pod-0.log\n"
    assert token not in done.stderr
    keyed = open_storage(f"az://{container}", azure_container.settings)
    sizes = {o.name: o.size for o in keyed.list()}
    assert sizes.pop("run1/pod-0.manifest.json") > 0
    assert sizes == {"run1/pod-0.log": log.stat().st_size}
