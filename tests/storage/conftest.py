"""The emulator fixtures for the storage tests (until tests/conftest.py registers the plugin)."""

from tests.support.emulators import (  # noqa: F401  (pytest finds fixtures by name)
    aws_test_env,
    azure_container,
    azurite_server,
    gcs_bucket,
    gcs_server,
    local_bucket,
    s3_auth_server,
    s3_bucket,
    s3_server,
    storage_target,
)
