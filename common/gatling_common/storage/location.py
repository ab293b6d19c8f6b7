"""Storage locations as URLs: s3://, gs://, az://, file://, plus the Go operator's short forms."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from gatling_common.errors import InputError

SCHEMES = ("s3", "gs", "az", "file")


@dataclass(frozen=True)
class Location:
    """A bucket (or container, or local root folder) and a key prefix inside it."""

    scheme: str
    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> Location:
        """Parse `s3://b/p`, `gs://b/p`, `az://c/p`, `file:///dir`, or `s3:b/p` / `az:c/p`."""
        text = url.strip()
        if not text:
            raise InputError("storage location is empty; expected s3://, gs://, az:// or file://")
        if text.lower().startswith("file:"):
            parts = urlsplit(text)
            path = unquote(parts.path)
            # file://dir/x would silently mean /x on host "dir": only file:///abs is accepted.
            if parts.netloc not in ("", "localhost") or not path.startswith("/"):
                raise InputError(
                    f"storage location {url!r}: file:// needs an absolute path (file:///dir)"
                )
            return cls("file", "", posixpath.normpath(path).rstrip("/") or "/")
        scheme, sep, rest = text.partition(":")
        scheme = {"gcs": "gs", "azure": "az"}.get(scheme.lower(), scheme.lower())
        if not sep or scheme not in SCHEMES:
            raise InputError(
                f"storage location {url!r}: expected s3://bucket/prefix, gs://bucket/prefix, "
                "az://container/prefix or file:///dir"
            )
        rest = rest[2:] if rest.startswith("//") else rest  # Go operator writes s3:bucket/path
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise InputError(f"storage location {url!r}: no bucket name")
        return cls(scheme, bucket, _clean_prefix(prefix))

    @property
    def url(self) -> str:
        if self.scheme == "file":
            return f"file://{self.prefix}"
        tail = f"/{self.prefix}" if self.prefix else ""
        return f"{self.scheme}://{self.bucket}{tail}"

    def key(self, name: str) -> str:
        """The full object key of `name` (relative to this location)."""
        name = _clean_prefix(name)
        return f"{self.prefix}/{name}" if self.prefix else name

    def child(self, name: str) -> Location:
        return Location(self.scheme, self.bucket, self.key(name))

    def __str__(self) -> str:
        return self.url


def _clean_prefix(prefix: str) -> str:
    parts = [p for p in PurePosixPath(prefix.strip("/")).parts if p not in ("", ".")]
    if ".." in parts:
        raise InputError(f"storage key {prefix!r} must not contain '..'")
    return "/".join(parts)
