"""Object metadata the transferer writes on each log; the reporter reads it back.

Keys are lowercase letters only: the one form S3 (x-amz-meta-*, behind proxies that drop
underscores), GCS and Azure (metadata names must be C# identifiers: no hyphens) all keep as is.
Values are ASCII (S3 metadata is sent as HTTP headers), so the source path is percent-encoded.
"""

from __future__ import annotations

from importlib import metadata as importlib_metadata
from urllib.parse import quote

from gatling_transferer.marker import Status

STATUS = "status"  # COMPLETED or FAILED: the runner's marker
FLEET_VERSION = "fleetversion"  # gatling-fleet version of the transferer that uploaded it
SOURCE_PATH = "sourcepath"  # the log's path below the results dir, percent-encoded
RAW_BYTES = "rawbytes"  # the log's size before compression
POD = "pod"  # --name, normally the pod's name
COMPLETE = "complete"  # "false": still written or cut at its end when uploaded (complete.py)


def fleet_version() -> str:
    try:
        return importlib_metadata.version("gatling-fleet")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def log_metadata(
    *, status: Status, source_path: str, raw_bytes: int, pod: str, complete: bool = True
) -> dict[str, str]:
    return {
        COMPLETE: "true" if complete else "false",
        STATUS: status,
        FLEET_VERSION: fleet_version(),
        SOURCE_PATH: quote(source_path, safe="/-_.~"),
        RAW_BYTES: str(raw_bytes),
        POD: quote(pod, safe="-_.~"),
    }
