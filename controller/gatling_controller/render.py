"""Every object the reconciler would create for a Gatling resource, without a cluster.

For migration reviews (diff what we create against what the Go operator created) and for golden
tests. The objects come from the same builders, in the order the reconciler creates them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import yaml
from gatling_common.errors import InputError

from gatling_controller.builders import (
    KIND,
    build_prerequisites,
    build_reporter_job,
    build_runner_job,
    run_storage,
)
from gatling_controller.models import Gatling, parse_gatling
from gatling_controller.settings import ControllerSettings

Json = dict[str, Any]
# Stands in for the uid the API server assigns; it names the run's storage path and owner refs.
PLACEHOLDER_UID = "00000000-0000-0000-0000-000000000000"


def planned_objects(gatling: Gatling, settings: ControllerSettings) -> list[Json]:
    """ConfigMaps, PV, PVC, the runner Job and, when a report is wanted, the reporter Job."""
    objects = [*build_prerequisites(gatling), build_runner_job(gatling, settings)]
    if gatling.generate_report and gatling.storage is not None:
        objects.append(build_reporter_job(gatling, settings))
    return objects


def gatlings_in(text: str, source: str, uid: str | None = None) -> list[Gatling]:
    """The Gatling resources of a YAML stream, other kinds skipped; InputError names `source`."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not YAML ({' '.join(str(exc).split())})") from None
    found = []
    for index, doc in enumerate(documents, start=1):
        if not isinstance(doc, dict) or doc.get("kind") != KIND:
            continue
        doc = copy.deepcopy(doc)
        meta = doc.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise InputError(f"{source}: document {index}: metadata is not an object")
        meta["uid"] = uid or meta.get("uid") or PLACEHOLDER_UID
        try:
            found.append(parse_gatling(doc))
        except InputError as exc:
            raise InputError(f"{source}: document {index}: {exc}") from None
    if not found:
        raise InputError(f"{source}: no document of kind {KIND}")
    return found


def render_yaml(gatlings: Iterable[Gatling], settings: ControllerSettings) -> str:
    """One YAML stream; a comment before each resource's objects says where its run is stored."""
    parts = []
    for g in gatlings:
        storage = run_storage(g, settings)
        where = f"storage {storage.url}" if storage is not None else "no storage"
        parts.append(f"# Gatling {g.namespace}/{g.name} (uid {g.uid}): {where}\n")
        for obj in planned_objects(g, settings):
            parts.append("---\n" + yaml.dump(obj, Dumper=_Dumper, sort_keys=False, width=100))
    return "".join(parts)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (simulations, gatling.conf, the runner script) as literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
