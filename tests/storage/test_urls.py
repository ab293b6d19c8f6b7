"""Public URL forms of every backend, and parsing of location URLs (ours and the Go operator's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gatling_common.errors import InputError
from gatling_common.storage import Location, StorageSettings, open_storage


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            StorageSettings(region="eu-west-3"),
            "https://my-bucket.s3.eu-west-3.amazonaws.com/run%201/a%2Bb/index.html",
        ),
        (
            StorageSettings(region="eu-west-3", path_style=True),
            "https://s3.eu-west-3.amazonaws.com/my-bucket/run%201/a%2Bb/index.html",
        ),
        (
            StorageSettings(endpoint_url="http://minio.local:9000", region="us-east-1"),
            "http://minio.local:9000/my-bucket/run%201/a%2Bb/index.html",
        ),
        (
            StorageSettings(endpoint_url="https://ceph.example/", path_style=False),
            "https://my-bucket.ceph.example/run%201/a%2Bb/index.html",
        ),
    ],
    ids=["virtual-hosted", "aws-path-style", "custom-endpoint", "custom-virtual-hosted"],
)
def test_s3_public_url(settings: StorageSettings, expected: str) -> None:
    store = open_storage("s3://my-bucket/run 1", settings)
    assert store.public_url("a+b/index.html") == expected


def test_gcs_public_url_default_and_emulator() -> None:
    plain = open_storage("gs://results/run1", StorageSettings())
    emulated = open_storage(
        "gs://results/run1", StorageSettings(gcs_endpoint_url="http://127.0.0.1:4443")
    )
    assert plain.public_url("js/stats #1.json") == (
        "https://storage.googleapis.com/results/run1/js/stats%20%231.json"
    )
    assert emulated.public_url("index.html") == "http://127.0.0.1:4443/results/run1/index.html"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            StorageSettings(
                azure_account_url="https://acct.blob.core.windows.net/?sv=2024&sig=SECRET"
            ),
            "https://acct.blob.core.windows.net/reports/run1/r%C3%A9sum%C3%A9.html",
        ),
        (
            StorageSettings(
                azure_connection_string="DefaultEndpointsProtocol=https;AccountName=acct;"
                "AccountKey=a2V5;EndpointSuffix=core.windows.net"
            ),
            "https://acct.blob.core.windows.net/reports/run1/r%C3%A9sum%C3%A9.html",
        ),
        (
            StorageSettings(
                azure_account_url="http://127.0.0.1:10000/devstoreaccount1",
                azure_account_key="a2V5",
            ),
            "http://127.0.0.1:10000/devstoreaccount1/reports/run1/r%C3%A9sum%C3%A9.html",
        ),
        (
            StorageSettings(
                azure_account_url="https://acct.blob.core.windows.net/reports?sv=2024&sr=c&sig=SECRET"
            ),
            "https://acct.blob.core.windows.net/reports/run1/r%C3%A9sum%C3%A9.html",
        ),
        (
            StorageSettings(
                azure_account_url="http://127.0.0.1:10000/devstoreaccount1/reports?sr=c&sig=SECRET"
            ),
            "http://127.0.0.1:10000/devstoreaccount1/reports/run1/r%C3%A9sum%C3%A9.html",
        ),
        (
            StorageSettings(
                azure_account_url="http://azurite:10000/devstoreaccount1?srt=sco&sig=S"
            ),
            "http://azurite:10000/devstoreaccount1/reports/run1/r%C3%A9sum%C3%A9.html",
        ),
    ],
    ids=[
        "sas-url",
        "connection-string",
        "azurite",
        "container-sas-url",
        "azurite-container-sas-url",
        "emulator-host-name",
    ],
)
def test_azure_public_url_never_carries_a_token(settings: StorageSettings, expected: str) -> None:
    url = open_storage("az://reports/run1", settings).public_url("résumé.html")
    assert url == expected


def test_local_public_url_is_a_file_uri(tmp_path: Path) -> None:
    store = open_storage(f"file://{tmp_path}/bucket", StorageSettings())
    assert store.public_url("run 1/index.html") == f"file://{tmp_path}/bucket/run%201/index.html"


@pytest.mark.parametrize(
    ("url", "scheme", "bucket", "prefix"),
    [
        ("s3://bucket/a/b", "s3", "bucket", "a/b"),
        ("s3:bucket/a/b", "s3", "bucket", "a/b"),  # the Go operator's form
        ("s3://bucket", "s3", "bucket", ""),
        ("s3://bucket/", "s3", "bucket", ""),
        ("gs://bucket/path/", "gs", "bucket", "path"),
        ("gcs://bucket/path", "gs", "bucket", "path"),
        ("az:container/path", "az", "container", "path"),
        ("az://container//x/./y", "az", "container", "x/y"),
        ("azure://container/p", "az", "container", "p"),
        ("S3://Bucket/p", "s3", "Bucket", "p"),
        ("file:///data/results/", "file", "", "/data/results"),
        ("file:///data/with%20space", "file", "", "/data/with space"),
    ],
)
def test_location_parse(url: str, scheme: str, bucket: str, prefix: str) -> None:
    loc = Location.parse(url)
    assert (loc.scheme, loc.bucket, loc.prefix) == (scheme, bucket, prefix)


def test_location_keys_and_urls() -> None:
    loc = Location.parse("s3:bucket/gatling/run-42")
    assert loc.url == "s3://bucket/gatling/run-42"
    assert loc.key("pod-1.log") == "gatling/run-42/pod-1.log"
    assert loc.child("js").key("stats.json") == "gatling/run-42/js/stats.json"
    assert Location.parse("gs://b").key("x/y") == "x/y"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "storage location is empty"),
        ("   ", "storage location is empty"),
        ("http://bucket/x", "expected s3://bucket/prefix"),
        ("bucket/path", "expected s3://bucket/prefix"),
        ("s3://", "no bucket name"),
        ("az:/path", "no bucket name"),
        ("file://relative/dir", "file:// needs an absolute path"),
        ("file:relative/dir", "file:// needs an absolute path"),
        ("s3://bucket/a/../b", "must not contain '..'"),
    ],
)
def test_location_errors(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Location.parse(url)


def test_names_may_not_climb_out_of_the_location() -> None:
    with pytest.raises(InputError, match=r"'\.\./other\.log' must not contain '\.\.'"):
        Location.parse("s3://bucket/run1").key("../other.log")
