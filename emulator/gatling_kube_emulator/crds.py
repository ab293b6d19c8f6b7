"""CustomResourceDefinitions (apiextensions.k8s.io/v1): each one stored serves its kind.

Creating or changing a CRD registers (or re-registers) the kind of each served version, with its
openAPIV3Schema and printer columns; the CRD gets the Established/NamesAccepted conditions the real
server sets once the kind is in discovery.
"""

from __future__ import annotations

import contextlib

from gatling_kube_emulator.store import ApiError, Kind, KindKey, Obj, Store, now_rfc3339

CRD = Kind(
    "apiextensions.k8s.io",
    "v1",
    "customresourcedefinitions",
    "CustomResourceDefinition",
    namespaced=False,
    short_names=("crd", "crds"),
)


def crd_defaults(obj: Obj) -> None:
    names = (obj.get("spec") or {}).get("names") or {}
    now = now_rfc3339()
    obj["status"] = {
        "acceptedNames": names,
        "storedVersions": [
            v.get("name") for v in obj.get("spec", {}).get("versions") or [] if v.get("storage")
        ],
        "conditions": [
            _condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
            _condition(
                "Established", "InitialNamesAccepted", "the initial names have been accepted", now
            ),
        ],
    }


def _condition(type_: str, reason: str, message: str, now: str) -> Obj:
    return {
        "type": type_,
        "status": "True",
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def kinds_of(crd: Obj) -> list[Kind]:
    """The kind each served version of this CRD defines."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    found = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        found.append(
            Kind(
                spec.get("group", ""),
                version.get("name", ""),
                names.get("plural", ""),
                names.get("kind", ""),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                status_subresource="status" in (version.get("subresources") or {}),
                builtin=False,
                delete_returns_object=True,
                schema=(version.get("schema") or {}).get("openAPIV3Schema"),
                printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                singular=names.get("singular", ""),
            )
        )
    return found


def on_delete(store: Store, kind: Kind, obj: Obj, builtin: dict[KindKey, Kind]) -> None:
    """The store's delete hook: a CRD gone takes its objects and kinds with it (a kind the
    emulator serves without a CRD, `builtin`, goes back to that definition)."""
    if kind.key != CRD.key:
        return
    for served in kinds_of(obj):
        current = store.kinds.get(served.key)
        if current is None:
            continue
        for item in store.select(current, None)[0]:
            meta = item["metadata"]
            with contextlib.suppress(ApiError):
                store.delete(current, meta.get("namespace", ""), meta["name"])
            with contextlib.suppress(ApiError):  # finalizers left: the real server strips them
                store.update(
                    current,
                    meta.get("namespace", ""),
                    meta["name"],
                    _unfinalized(store, current, item),
                )
        if served.key in builtin:
            store.register(builtin[served.key])
        else:
            store.unregister(served)


def _unfinalized(store: Store, kind: Kind, item: Obj) -> Obj:
    live = store.get(kind, item["metadata"].get("namespace", ""), item["metadata"]["name"])
    live["metadata"]["finalizers"] = []
    return live


def on_write(store: Store, kind: Kind, obj: Obj) -> None:
    """The store's write hook: a CRD written registers its kinds."""
    if kind.key != CRD.key:
        return
    for served in kinds_of(obj):
        store.register(served)
