"""The object store behind the Kubernetes API emulator: generic over registered kinds.

One global resourceVersion counter increases by one on every write, and every write appends one
event to a bounded history, so a watch can resume from any version still in the history and gets
410 Gone for an older one (as after etcd compaction). Objects are copied in and out: callers never
share the stored dicts.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gatling_kube_emulator import apply as ssa
from gatling_kube_emulator.label_selectors import Matcher
from gatling_kube_emulator.patch import STRATEGIC_MERGE_PATCH, PatchError, apply_patch

Obj = dict[str, Any]

KindKey = tuple[str, str, str]  # (group, version, plural)


@dataclass(frozen=True)
class Kind:
    """A resource type the emulator serves."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    status_subresource: bool = True
    # What DELETE does to dependents when the client names no propagationPolicy.
    default_propagation: str = "Background"
    builtin: bool = True  # custom resources do not accept strategic merge patches
    # Pods and custom resources answer DELETE with the object, most others with a Status.
    delete_returns_object: bool = False
    # From a CRD: its openAPIV3Schema (validation, OpenAPI) and additionalPrinterColumns (Table).
    schema: Obj | None = field(default=None, compare=False, hash=False)
    printer_columns: tuple[Obj, ...] = field(default=(), compare=False, hash=False)
    short_names: tuple[str, ...] = field(default=(), compare=False, hash=False)
    categories: tuple[str, ...] = field(default=(), compare=False, hash=False)  # e.g. "all"
    singular: str = field(default="", compare=False, hash=False)

    @property
    def key(self) -> KindKey:
        return (self.group, self.version, self.plural)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


class ApiError(Exception):
    """An error the server answers with a Kubernetes Status body."""

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status(self) -> Obj:
        body: Obj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


def _details(kind: Kind, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": kind.plural}
    if kind.group:
        details["group"] = kind.group
    return details


def _qualified(kind: Kind) -> str:
    return f"{kind.plural}.{kind.group}" if kind.group else kind.plural


def not_found(kind: Kind, name: str) -> ApiError:
    message = f'{_qualified(kind)} "{name}" not found'
    return ApiError(404, "NotFound", message, _details(kind, name))


def conflict(kind: Kind, name: str, why: str) -> ApiError:
    message = f'Operation cannot be fulfilled on {_qualified(kind)} "{name}": {why}'
    return ApiError(409, "Conflict", message, _details(kind, name))


def invalid(kind: Kind, name: str, why: str) -> ApiError:
    message = f'{kind.kind} "{name}" is invalid: {why}'
    return ApiError(422, "Invalid", message, _details(kind, name))


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class WatchEvent:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    kind: Kind
    obj: Obj
    old: Obj | None  # the object before a MODIFIED, so selector watches can translate
    # Serialized lines per event type: hundreds of watchers share one json.dumps.
    lines: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def line(self, type_: str) -> bytes:
        cached = self.lines.get(type_)
        if cached is None:
            cached = json.dumps({"type": type_, "object": self.obj}).encode() + b"\n"
            self.lines[type_] = cached
        return cached


CreateHook = Callable[[Obj], None]
# Admission of a write: the object as stored (defaulted, pruned) or ApiError; set by the server.
Admission = Callable[[Kind, Obj, "str | None"], Obj]
WriteHook = Callable[[Kind, Obj], None]


def _admit_all(kind: Kind, obj: Obj, field_validation: str | None) -> Obj:
    return obj


class Store:
    """Thread-safe objects of every registered kind, with a global resourceVersion."""

    def __init__(self, history_size: int = 10_000) -> None:
        self.cond = threading.Condition(threading.RLock())  # guards objects and versions
        # Watchers wait here, not on `cond`: hundreds of them must not queue on the store lock.
        # They read the history without the store lock (appends and list swaps are atomic).
        self.changed = threading.Condition()
        self.kinds: dict[KindKey, Kind] = {}
        self.create_hooks: dict[KindKey, CreateHook] = {}
        self._objects: dict[KindKey, dict[tuple[str, str], Obj]] = {}
        self._rv = 0
        self._history: list[WatchEvent] = []  # contiguous versions: index = rv - first rv
        self._history_size = history_size
        self._oldest_watchable = 0  # a watch from rv >= this still sees every later event
        self.admit: Admission = _admit_all
        self.write_hooks: list[WriteHook] = []  # after each create/update/patch/apply
        self.delete_hooks: list[WriteHook] = []  # after each object is gone

    # --- kinds ---------------------------------------------------------------------------
    def register(self, kind: Kind, on_create: CreateHook | None = None) -> None:
        with self.cond:
            self.kinds[kind.key] = kind
            self._objects.setdefault(kind.key, {})
            if on_create is not None:
                self.create_hooks[kind.key] = on_create

    def unregister(self, kind: Kind) -> None:
        """Stop serving a kind (its CRD is gone); its objects must be deleted first."""
        with self.cond:
            self.kinds.pop(kind.key, None)
            self._objects.pop(kind.key, None)
            self.create_hooks.pop(kind.key, None)

    def kind(self, group: str, version: str, plural: str) -> Kind:
        try:
            return self.kinds[(group, version, plural)]
        except KeyError:
            message = "the server could not find the requested resource"
            raise ApiError(404, "NotFound", message) from None

    def find_kind(self, plural: str) -> Kind:
        """The registered kind with this plural (the first one, if several groups share it)."""
        for kind in self.kinds.values():
            if kind.plural == plural:
                return kind
        raise KeyError(plural)

    # --- versions and history -------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        with self.cond:
            return self._rv

    def _record(self, type_: str, kind: Kind, obj: Obj, old: Obj | None = None) -> None:
        self._history.append(WatchEvent(self._rv, type_, kind, copy.deepcopy(obj), old))
        if len(self._history) > self._history_size:  # forget all but the last history_size
            self._oldest_watchable = self._history[-self._history_size - 1].rv
        if len(self._history) >= 2 * self._history_size:  # trim in batches: amortized O(1)
            self._history = self._history[-self._history_size - 1 :]  # a new list: readers
        self.cond.notify_all()
        with self.changed:
            self.changed.notify_all()

    def _bump(self, obj: Obj) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)

    def compact(self) -> None:
        """Forget the history: a watch from any version older than now gets 410 Gone."""
        with self.cond:
            self._history = []
            self._oldest_watchable = self._rv

    def events_after(self, rv: int) -> list[WatchEvent]:
        """Events newer than `rv`; ApiError 410 if some of them were already forgotten.

        Lock-free: it takes one consistent list reference; writers only append to it or swap in
        a new list.
        """
        history, oldest = self._history, self._oldest_watchable
        if rv < oldest:
            raise ApiError(410, "Expired", f"too old resource version: {rv} ({oldest + 1})")
        if not history or rv >= history[-1].rv:
            return []
        return history[max(0, rv + 1 - history[0].rv) :]

    # --- reads ---------------------------------------------------------------------------
    def _bucket(self, kind: Kind) -> dict[tuple[str, str], Obj]:
        return self._objects[kind.key]

    def get(self, kind: Kind, namespace: str, name: str) -> Obj:
        with self.cond:
            obj = self._bucket(kind).get((namespace if kind.namespaced else "", name))
            if obj is None:
                raise not_found(kind, name)
            return copy.deepcopy(obj)

    def select(
        self,
        kind: Kind,
        namespace: str | None,
        matchers: Iterable[Matcher] = (),
        *,
        shared: bool = False,
    ) -> tuple[list[Obj], int]:
        """Matching objects sorted by (namespace, name), and the list's resourceVersion.

        shared=True returns the stored dicts themselves (never mutated once stored: every write
        stores a new dict) for callers that only serialize them, like the HTTP layer.
        """
        checks = list(matchers)
        with self.cond:
            items = [
                obj if shared else copy.deepcopy(obj)
                for (ns, _), obj in sorted(self._bucket(kind).items())
                if (namespace is None or ns == namespace) and all(m(obj) for m in checks)
            ]
            return items, self._rv

    def all_objects(self) -> list[tuple[Kind, Obj]]:
        with self.cond:
            return [
                (self.kinds[key], copy.deepcopy(obj))
                for key, bucket in self._objects.items()
                for obj in bucket.values()
            ]

    # --- writes --------------------------------------------------------------------------
    def create(
        self, kind: Kind, namespace: str, body: Obj, field_validation: str | None = None
    ) -> Obj:
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if kind.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise ApiError(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match "
                    "the namespace sent on the request",
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise invalid(
                    kind, "", "metadata.name: Required value: name or generateName is required"
                )
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        obj["kind"], obj["apiVersion"] = kind.kind, kind.api_version
        if kind.status_subresource:
            obj.pop("status", None)
        meta.pop("deletionTimestamp", None)
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=now_rfc3339(), generation=1)
        obj = self.admit(kind, obj, field_validation)
        hook = self.create_hooks.get(kind.key)
        if hook is not None:
            hook(obj)
        with self.cond:
            key = (meta.get("namespace", ""), meta["name"])
            if key in self._bucket(kind):
                message = f'{_qualified(kind)} "{meta["name"]}" already exists'
                raise ApiError(409, "AlreadyExists", message, _details(kind, meta["name"]))
            self._bump(obj)
            self._bucket(kind)[key] = obj
            self._record("ADDED", kind, obj)
            self._after_write(kind, obj)
            return copy.deepcopy(obj)

    def update(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        body: Obj,
        subresource: str | None = None,
        field_validation: str | None = None,
    ) -> Obj:
        with self.cond:
            old = self.get(kind, namespace, name)
            self._check_identity(kind, name, old, body)
            new = self.admit(kind, copy.deepcopy(body), field_validation)
            return self._replace(kind, old, new, subresource)

    def patch(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        content_type: str,
        body: Any,
        subresource: str | None = None,
        field_validation: str | None = None,
    ) -> Obj:
        if content_type.startswith(STRATEGIC_MERGE_PATCH) and not kind.builtin:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - accepted media types "
                f"include: application/json-patch+json, application/merge-patch+json, "
                f"application/apply-patch+yaml (strategic merge patch is not supported "
                f"for {_qualified(kind)})",
            )
        with self.cond:
            old = self.get(kind, namespace, name)
            try:
                new = apply_patch(content_type, old, body)
            except PatchError as exc:
                raise ApiError(422, "Invalid", str(exc), _details(kind, name)) from None
            self._check_identity(kind, name, old, new)
            new = self.admit(kind, new, field_validation)
            return self._replace(kind, old, new, subresource)

    def apply(
        self,
        kind: Kind,
        namespace: str,
        name: str,
        body: Obj,
        options: tuple[str, bool, str | None],
        subresource: str | None = None,
    ) -> tuple[Obj, bool]:
        """Server-side apply with options (fieldManager, force, fieldValidation); (object,
        created)."""
        manager, force, field_validation = options
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the apply configuration is not an object")
        with self.cond:
            try:
                old = self.get(kind, namespace, name)
            except ApiError as exc:
                if exc.code != 404 or subresource is not None:
                    raise
                seed = ssa.merge({"metadata": {}}, body, manager, force, kind.api_version)
                seed["metadata"].setdefault("name", name)
                return self.create(kind, namespace, seed, field_validation), True
            found = ssa.conflicts(old, body, manager)
            if found and not force:
                message, causes = ssa.conflict_message(found, kind.api_version)
                raise ApiError(409, "Conflict", message, {**_details(kind, name), "causes": causes})
            new = ssa.merge(old, body, manager, force, kind.api_version)
            self._check_identity(kind, name, old, {"metadata": {"name": name}})
            new = self.admit(kind, new, field_validation)
            return self._replace(kind, old, new, subresource), False

    def _after_write(self, kind: Kind, obj: Obj) -> None:
        for hook in self.write_hooks:
            hook(kind, copy.deepcopy(obj))

    def _check_identity(self, kind: Kind, name: str, old: Obj, new: Obj) -> None:
        new_meta = new.get("metadata") or {}
        if new_meta.get("name", name) != name:
            raise ApiError(
                400, "BadRequest", "the name of the object does not match the name on the URL"
            )
        wanted = new_meta.get("resourceVersion")
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise conflict(
                kind,
                name,
                "the object has been modified; please apply your "
                "changes to the latest version and try again",
            )

    def _replace(self, kind: Kind, old: Obj, new: Obj, subresource: str | None) -> Obj:
        """Store `new` in place of `old`, keeping what the client may not change."""
        if subresource == "status":
            status = new.get("status")
            new = copy.deepcopy(old)
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = status
        elif kind.status_subresource:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        meta = new.setdefault("metadata", {})
        for kept in ("uid", "creationTimestamp", "namespace", "name", "deletionTimestamp"):
            if kept in old["metadata"]:
                meta[kept] = old["metadata"][kept]
            else:
                meta.pop(kept, None)
        new["kind"], new["apiVersion"] = kind.kind, kind.api_version
        meta["generation"] = old["metadata"].get("generation", 1) + (
            1 if _spec_of(new) != _spec_of(old) else 0
        )
        if _same_content(old, new):
            return copy.deepcopy(old)  # a no-op write keeps the version, as the real server does
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self._remove(kind, old, propagation=None)
            return copy.deepcopy(new)
        self._bump(new)
        self._bucket(kind)[_key(kind, new)] = new
        self._record("MODIFIED", kind, new, old)
        self._after_write(kind, new)
        return copy.deepcopy(new)

    def delete(self, kind: Kind, namespace: str, name: str, propagation: str | None = None) -> Obj:
        """Delete (or mark for deletion while finalizers remain) and collect dependents."""
        with self.cond:
            old = self.get(kind, namespace, name)
            if old["metadata"].get("finalizers"):
                if old["metadata"].get("deletionTimestamp"):
                    return old
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                self._bump(new)
                self._bucket(kind)[_key(kind, new)] = new
                self._record("MODIFIED", kind, new, old)
                return copy.deepcopy(new)
            return self._remove(kind, old, propagation)

    def _remove(self, kind: Kind, obj: Obj, propagation: str | None) -> Obj:
        del self._bucket(kind)[_key(kind, obj)]
        gone = copy.deepcopy(obj)
        self._bump(gone)
        self._record("DELETED", kind, gone)
        self._collect_dependents(gone["metadata"]["uid"], propagation or kind.default_propagation)
        for hook in self.delete_hooks:
            hook(kind, copy.deepcopy(gone))
        return copy.deepcopy(gone)

    def _collect_dependents(self, owner_uid: str, propagation: str) -> None:
        """The garbage collector: delete (or orphan) objects whose ownerReferences name it."""
        for key, bucket in self._objects.items():
            dep_kind = self.kinds[key]
            for obj in list(bucket.values()):
                refs = obj["metadata"].get("ownerReferences") or []
                if not any(ref.get("uid") == owner_uid for ref in refs):
                    continue
                if propagation == "Orphan":
                    new = copy.deepcopy(obj)
                    new["metadata"]["ownerReferences"] = [
                        r for r in refs if r.get("uid") != owner_uid
                    ]
                    self._bump(new)
                    bucket[_key(dep_kind, new)] = new
                    self._record("MODIFIED", dep_kind, new, obj)
                else:
                    # The collector deletes dependents in the background (or foreground).
                    meta = obj["metadata"]
                    self.delete(dep_kind, meta.get("namespace", ""), meta["name"], propagation)


def _key(kind: Kind, obj: Obj) -> tuple[str, str]:
    meta = obj["metadata"]
    return (meta.get("namespace", "") if kind.namespaced else "", meta["name"])


def _spec_of(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


def _same_content(old: Obj, new: Obj) -> bool:
    def strip(obj: Obj) -> Obj:
        clean = copy.deepcopy(obj)
        clean["metadata"].pop("resourceVersion", None)
        return clean

    return strip(old) == strip(new)
