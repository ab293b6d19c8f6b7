"""The transfer manifest's format: what is written reads back; what is not one is named."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from gatling_common.errors import InputError
from gatling_common.storage.manifest import (
    FORMAT,
    Manifest,
    ManifestEntry,
    is_manifest,
    manifest_name,
)

SHA = "ab" * 32
WHEN = datetime(2024, 5, 27, 5, 52, 0, 123000, tzinfo=UTC)


def _manifest() -> Manifest:
    return Manifest(
        pod="runner-0",
        run="job-uid",
        done=True,
        written=WHEN,
        status="COMPLETED",
        objects=(ManifestEntry("runner-0.log", 12, SHA), ManifestEntry("runner-0.stats", 3, SHA)),
        fleet_version="1.2.3",
    )


def test_round_trip_and_the_documented_fields() -> None:
    text = _manifest().to_json()
    assert Manifest.from_json(text, "here") == _manifest()
    assert json.loads(text) == {
        "format": FORMAT,
        "pod": "runner-0",
        "run": "job-uid",
        "done": True,
        "written": "2024-05-27T05:52:00.123+00:00",
        "status": "COMPLETED",
        "fleetVersion": "1.2.3",
        "objects": [
            {"name": "runner-0.log", "size": 12, "sha256": SHA},
            {"name": "runner-0.stats", "size": 3, "sha256": SHA},
        ],
    }


def test_unknown_fields_are_ignored_and_run_may_be_null() -> None:
    raw = json.loads(_manifest().to_json())
    raw.update(run=None, extra={"from": "a newer transferer"})
    assert Manifest.from_json(json.dumps(raw), "here").run is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other/1"}, r"here: not a transfer manifest \(format 'other/1'"),
        ({"pod": ""}, r"here: damaged transfer manifest \('pod' must be a non-empty string\)"),
        ({"done": "yes"}, r"'done' must be true or false"),
        ({"written": "2024-05-27T05:52:00"}, r"'written' must carry a time zone"),
        ({"objects": [{"name": "a.log", "size": -1, "sha256": SHA}]}, r"size must be a whole"),
        ({"objects": [{"name": "a.log", "size": 1, "sha256": "00"}]}, r"64 lowercase hex"),
        ({"objects": {"name": "a.log"}}, r"'objects' must be a list"),
    ],
)
def test_damage_is_named(change: dict[str, object], message: str) -> None:
    raw = json.loads(_manifest().to_json())
    raw.update(change)
    with pytest.raises(InputError, match=message):
        Manifest.from_json(json.dumps(raw), "here")


def test_not_json_is_named() -> None:
    with pytest.raises(InputError, match=r"^here: not a transfer manifest \(not JSON"):
        Manifest.from_json('{"format": ', "here")


def test_names() -> None:
    assert manifest_name("runner-0") == "runner-0.manifest.json"
    assert is_manifest("runner-0.manifest.json")
    assert not is_manifest(".manifest.json")
    assert not is_manifest("report/runner-0.manifest.json")  # manifests sit at the top only
