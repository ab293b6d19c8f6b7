"""Object storage behind one interface: S3 (and S3-compatible), GCS, Azure Blob, a local folder.

`open_storage(url, settings)` picks the backend from the URL's scheme and imports its SDK only
then, so an image without (say) the Azure SDK still handles s3:// and file:// locations.
"""

from __future__ import annotations

import importlib

from gatling_common.errors import InputError
from gatling_common.storage.base import (
    BucketNotFoundError,
    NotFoundError,
    ObjectInfo,
    PermanentStorageError,
    RetryableStorageError,
    Storage,
    StorageError,
    StorageSettings,
)
from gatling_common.storage.location import Location

__all__ = [
    "BucketNotFoundError",
    "Location",
    "NotFoundError",
    "ObjectInfo",
    "PermanentStorageError",
    "RetryableStorageError",
    "Storage",
    "StorageError",
    "StorageSettings",
    "open_storage",
]

_BACKENDS = {
    "file": ("gatling_common.storage.local", "LocalStorage", None),
    "s3": ("gatling_common.storage.s3", "S3Storage", "gatling-fleet[s3]"),
    "gs": ("gatling_common.storage.gcs", "GCSStorage", "gatling-fleet[gcs]"),
    "az": ("gatling_common.storage.azure", "AzureStorage", "gatling-fleet[azure]"),
}


def open_storage(location: str | Location, settings: StorageSettings | None = None) -> Storage:
    loc = location if isinstance(location, Location) else Location.parse(location)
    module_name, class_name, extra = _BACKENDS[loc.scheme]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if (exc.name or "").startswith("gatling_common"):
            raise  # our own bug, not a missing extra
        raise InputError(
            f"storage location {loc.url}: the {loc.scheme}:// backend needs {extra} ({exc.name} "
            "is not installed)"
        ) from exc
    backend: type[Storage] = getattr(module, class_name)
    return backend(loc, settings or StorageSettings())
