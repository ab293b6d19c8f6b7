"""The HTTP face of the Kubernetes API emulator: routing, verbs, watch streams, Status bodies."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from gatling_kube_emulator import openapi, tables
from gatling_kube_emulator.faults import Request
from gatling_kube_emulator.label_selectors import (
    Matcher,
    SelectorError,
    field_matcher,
    label_matcher,
)
from gatling_kube_emulator.store import ApiError, Kind, Obj, WatchEvent

APPLY_PATCH = "application/apply-patch+yaml"
_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

if TYPE_CHECKING:
    from gatling_kube_emulator.server import KubernetesEmulator


_VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.0-emulator",
    "gitCommit": "0" * 40,
    "gitTreeState": "clean",
    "buildDate": "2024-04-17T00:00:00Z",
    "goVersion": "go1.22.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@dataclass(frozen=True)
class Route:
    kind: Kind
    namespace: str | None
    name: str | None
    subresource: str | None


def _split_api_path(path: str) -> tuple[str, str, list[str]] | None:
    """('group', 'version', rest) for /api/v1/... and /apis/g/v/...; None for anything else."""
    parts = [unquote(p) for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        return "", parts[1], parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as client connection pools expect
    server_version = "k8s-emulator"
    emulator: KubernetesEmulator  # set on the subclass the emulator creates

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read their own output

    # --- entry points --------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        body = self._read_body()
        try:
            if self._discovery(url.path):
                return
            route = self._route(url.path)
            verb = self._verb(method, route, query)
            resource = route.kind.plural + (f"/{route.subresource}" if route.subresource else "")
            client = self.headers.get("X-Client-Id") or self.headers.get("User-Agent") or "-"
            req = Request(
                method,
                url.path,
                verb,
                resource,
                route.kind.group,
                route.namespace,
                route.name,
                client,
            )
            fault = self.emulator.faults.check(req)
            if fault is not None:
                self._send_error(fault[0], retry_after=fault[1])
                return
            if verb == "watch":
                self._watch(route, query)
            else:
                self._serve(verb, route, query, body)
        except ApiError as exc:
            self._send_error(exc)
        except SelectorError as exc:
            self._send_error(ApiError(400, "BadRequest", str(exc)))

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except ValueError:
            return None

    # --- routing -------------------------------------------------------------------------
    def _discovery(self, path: str) -> bool:
        store = self.emulator.store
        stripped = path.rstrip("/")
        if stripped == "/_emulator/requests":  # for a benchmark running the emulator elsewhere
            counts = self.emulator.faults.snapshot()
            self._send_json(200, {"requests": [[*key, n] for key, n in counts.items()]})
        elif stripped == "/version":
            self._send_json(200, _VERSION)
        elif stripped == "/openapi/v2":
            if "json" not in self.headers.get("Accept", "application/json") and "*/*" not in (
                self.headers.get("Accept") or ""
            ):
                raise ApiError(406, "NotAcceptable", "only application/json is served")
            self._send_json(200, openapi.document_v2(store.kinds.values()))
        elif stripped == "/openapi/v3":
            self._send_json(200, openapi.index(store.kinds.values()))
        elif stripped.startswith("/openapi/v3/"):
            gv = stripped.removeprefix("/openapi/v3/")
            kinds = [k for k in store.kinds.values() if openapi.gv_path(k) == gv]
            if not kinds:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            self._send_json(200, openapi.document(kinds))
        elif stripped == "/api":
            self._send_json(
                200,
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [
                        {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}
                    ],
                },
            )
        elif stripped == "/apis":
            groups = sorted({(k.group, k.version) for k in store.kinds.values() if k.group})
            self._send_json(
                200,
                {
                    "kind": "APIGroupList",
                    "apiVersion": "v1",
                    "groups": [
                        {
                            "name": g,
                            "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
                            "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v},
                        }
                        for g, v in groups
                    ],
                },
            )
        else:
            split = _split_api_path(stripped)
            if split is None or split[2]:
                return False
            group, version, _ = split
            kinds = [k for k in store.kinds.values() if (k.group, k.version) == (group, version)]
            if not kinds:
                return False
            self._send_json(
                200,
                {
                    "kind": "APIResourceList",
                    "apiVersion": "v1",
                    "groupVersion": kinds[0].api_version,
                    "resources": [r for k in kinds for r in _resources(k)],
                },
            )
        return True

    def _route(self, path: str) -> Route:
        split = _split_api_path(path)
        if split is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        group, version, rest = split
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        kind = self.emulator.store.kind(group, version, rest[0])
        if kind.namespaced != (namespace is not None) and not (kind.namespaced and len(rest) == 1):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        subresource = rest[2] if len(rest) == 3 else None
        if subresource is not None and not (subresource == "status" and kind.status_subresource):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return Route(kind, namespace, rest[1] if len(rest) >= 2 else None, subresource)

    @staticmethod
    def _verb(method: str, route: Route, query: dict[str, str]) -> str:
        if method == "GET":
            if route.name:
                return "get"
            return "watch" if query.get("watch") in ("true", "1") else "list"
        if method == "DELETE":
            return "delete" if route.name else "deletecollection"
        return {"POST": "create", "PUT": "update", "PATCH": "patch"}[method]

    # --- plain verbs -------------------------------------------------------------------------
    def _serve(self, verb: str, route: Route, query: dict[str, str], body: Any) -> None:
        store, kind = self.emulator.store, route.kind
        ns = route.namespace or ""
        if verb in ("create", "update", "patch") and body is None:
            raise ApiError(400, "BadRequest", "the request body is missing or not JSON")
        validation = query.get("fieldValidation")
        table = tables.wants_table(self.headers.get("Accept") or "")
        include = query.get("includeObject") or "Metadata"
        if verb == "get":
            obj = store.get(kind, ns, route.name or "")
            rv = int(obj["metadata"]["resourceVersion"])
            self._send_json(200, tables.table(kind, [obj], rv, include) if table else obj)
        elif verb == "list":
            items, rv = store.select(kind, route.namespace, self._matchers(query), shared=True)
            listed = tables.table(kind, items, rv, include) if table else None
            self._send_json(200, listed or self._list_body(kind, items, rv))
        elif verb == "create":
            if route.name is not None:
                raise ApiError(405, "MethodNotAllowed", "POST to a named resource")
            self._send_json(201, store.create(kind, ns, body, validation))
        elif verb == "update":
            name = route.name or ""
            self._send_json(200, store.update(kind, ns, name, body, route.subresource, validation))
        elif verb == "patch":
            self._patch(route, query, body)
        elif verb == "delete":
            policy = query.get("propagationPolicy") or (body or {}).get("propagationPolicy")
            obj = store.delete(kind, ns, route.name or "", policy)
            self._send_json(200, self._deleted_body(kind, obj))
        elif verb == "deletecollection":
            items, _ = store.select(kind, route.namespace, self._matchers(query), shared=True)
            policy = query.get("propagationPolicy") or (body or {}).get("propagationPolicy")
            for item in items:
                meta = item["metadata"]
                with contextlib.suppress(ApiError):  # already gone (garbage-collected)
                    store.delete(kind, meta.get("namespace", ""), meta["name"], policy)
            self._send_json(200, self._list_body(kind, items, store.resource_version))

    def _patch(self, route: Route, query: dict[str, str], body: Any) -> None:
        store, kind = self.emulator.store, route.kind
        ns, name = route.namespace or "", route.name or ""
        content_type = self.headers.get("Content-Type") or ""
        validation = query.get("fieldValidation")
        if content_type.split(";")[0].strip() != APPLY_PATCH:
            obj = store.patch(kind, ns, name, content_type, body, route.subresource, validation)
            self._send_json(200, obj)
            return
        manager = query.get("fieldManager")
        if not manager:
            raise ApiError(
                422,
                "Invalid",
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required '
                "value: is required for apply patch",
            )
        force = query.get("force") in ("true", "1")
        options = (manager, force, validation)
        obj, created = store.apply(kind, ns, name, body, options, route.subresource)
        self._send_json(201 if created else 200, obj)

    @staticmethod
    def _matchers(query: dict[str, str]) -> list[Matcher]:
        labels, fields = query.get("labelSelector"), query.get("fieldSelector")
        return [label_matcher(labels), field_matcher(fields)]

    @staticmethod
    def _list_body(kind: Kind, items: list[Obj], rv: int) -> Obj:
        if kind.builtin:  # the real server omits kind/apiVersion on items of built-in lists
            items = [{k: v for k, v in i.items() if k not in ("kind", "apiVersion")} for i in items]
        return {
            "kind": f"{kind.kind}List",
            "apiVersion": kind.api_version,
            "metadata": {"resourceVersion": str(rv)},
            "items": items,
        }

    @staticmethod
    def _deleted_body(kind: Kind, obj: Obj) -> Obj:
        if kind.delete_returns_object or obj["metadata"].get("deletionTimestamp"):
            return obj
        details = {
            "name": obj["metadata"]["name"],
            "kind": kind.plural,
            "uid": obj["metadata"]["uid"],
        }
        if kind.group:
            details["group"] = kind.group
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }

    # --- watch ---------------------------------------------------------------------------
    def _watch(self, route: Route, query: dict[str, str]) -> None:
        matchers = self._matchers(query)
        default_timeout = self.emulator.default_watch_timeout
        timeout = float(query.get("timeoutSeconds") or default_timeout)
        deadline = time.monotonic() + timeout
        bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
        self._start_stream()
        try:
            for line in self._watch_lines(route, query, matchers, deadline, bookmarks):
                self._send_chunk(line)
            self._send_chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _watch_lines(
        self,
        route: Route,
        query: dict[str, str],
        matchers: list[Matcher],
        deadline: float,
        bookmarks: bool,
    ) -> Iterator[bytes]:
        store, kind = self.emulator.store, route.kind
        rv_param = query.get("resourceVersion") or "0"
        if rv_param == "0":
            items, cursor = store.select(kind, route.namespace, matchers, shared=True)
            for item in items:
                yield _event_line("ADDED", item)
        else:
            try:
                cursor = int(rv_param)
            except ValueError:
                error = ApiError(400, "BadRequest", f"invalid resourceVersion {rv_param!r}")
                yield _event_line("ERROR", error.status())
                return
        last_sent = time.monotonic()
        epoch = self.emulator.watch_epoch
        while (
            not self.emulator.stopping
            and epoch == self.emulator.watch_epoch
            and time.monotonic() < deadline
        ):
            try:
                wake = min(deadline, last_sent + self.emulator.bookmark_interval)
                events = self._wait_events(cursor, wake if bookmarks else deadline)
            except ApiError as exc:
                yield _event_line("ERROR", exc.status())
                return
            for event in events:
                cursor = event.rv
                line = self._translate(event, route, matchers)
                if line is not None:
                    last_sent = time.monotonic()
                    yield line
            idle = time.monotonic() - last_sent
            if bookmarks and idle >= self.emulator.bookmark_interval:
                last_sent = time.monotonic()
                bookmark = {
                    "kind": kind.kind,
                    "apiVersion": kind.api_version,
                    "metadata": {"resourceVersion": str(cursor)},
                }
                yield _event_line("BOOKMARK", bookmark)

    def _wait_events(self, cursor: int, until: float) -> list[WatchEvent]:
        store = self.emulator.store
        with store.changed:
            events = store.events_after(cursor)
            epoch = self.emulator.watch_epoch
            while not events and not self.emulator.stopping and epoch == self.emulator.watch_epoch:
                remaining = until - time.monotonic()  # stop/end_watches notify as well
                if remaining <= 0:
                    break
                store.changed.wait(remaining)
                events = store.events_after(cursor)
            return events

    @staticmethod
    def _translate(event: WatchEvent, route: Route, matchers: list[Matcher]) -> bytes | None:
        """The event this watcher sees: with selectors, entering/leaving is ADDED/DELETED."""
        if event.kind.key != route.kind.key:
            return None
        namespace = event.obj["metadata"].get("namespace")
        if route.namespace is not None and namespace != route.namespace:
            return None
        now = all(m(event.obj) for m in matchers)
        before = event.old is not None and all(m(event.old) for m in matchers)
        if event.type == "MODIFIED":
            if now and not before:
                return event.line("ADDED")
            if before and not now:
                return event.line("DELETED")
        return event.line(event.type) if now else None

    # --- responses -----------------------------------------------------------------------
    def _send_json(self, code: int, body: Obj) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, exc: ApiError, retry_after: int | None = None) -> None:
        data = json.dumps(exc.status()).encode()
        self.send_response(exc.code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _send_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _resources(kind: Kind) -> list[Obj]:
    """The discovery entries of a kind: the resource and its status subresource."""
    main: Obj = {
        "name": kind.plural,
        "singularName": kind.singular or kind.kind.lower(),
        "namespaced": kind.namespaced,
        "kind": kind.kind,
        "verbs": _VERBS,
    }
    if kind.short_names:
        main["shortNames"] = list(kind.short_names)
    if kind.categories:
        main["categories"] = list(kind.categories)
    found = [main]
    if kind.status_subresource:
        found.append(
            {
                "name": f"{kind.plural}/status",
                "singularName": "",
                "namespaced": kind.namespaced,
                "kind": kind.kind,
                "verbs": ["get", "patch", "update"],
            }
        )
    return found


def _event_line(type_: str, obj: Obj) -> bytes:
    return json.dumps({"type": type_, "object": obj}).encode() + b"\n"
