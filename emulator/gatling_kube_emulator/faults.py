"""Fault injection and request counting for the Kubernetes API emulator.

Faults are checked before a request reaches the store: one-shot or repeated errors matched by
method/path/verb/resource, an RBAC-like deny list answered with 403 Forbidden, and a switch that
forbids every watch. Requests are counted per (verb, resource, client), the client being the
`X-Client-Id` header, else the User-Agent.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from gatling_kube_emulator.store import ApiError

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Gone",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


@dataclass(frozen=True)
class Request:
    """What a fault can match on."""

    method: str
    path: str
    verb: str  # get, list, watch, create, update, patch, delete, deletecollection
    resource: str  # plural, with "/status" for the subresource
    group: str
    namespace: str | None
    name: str | None
    client: str


@dataclass
class Fault:
    status: int
    times: int | None  # None: forever
    method: str | None = None
    path_regex: str | None = None
    verb: str | None = None
    resource: str | None = None
    message: str = "injected fault"
    retry_after: int | None = None
    hits: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def matches(self, req: Request) -> bool:
        if self.method and self.method.upper() != req.method:
            return False
        if self.verb and self.verb != req.verb:
            return False
        if self.resource and self.resource != req.resource:
            return False
        return not (self._pattern and not self._pattern.search(req.path))


def forbidden(req: Request, user: str = "system:serviceaccount:default:default") -> ApiError:
    """The 403 body the real authorizer returns."""
    what = f'{req.resource} "{req.name}"' if req.name else req.resource
    scope = f' in the namespace "{req.namespace}"' if req.namespace else " at the cluster scope"
    message = (
        f'{what} is forbidden: User "{user}" cannot {req.verb} resource "{req.resource}" '
        f'in API group "{req.group}"{scope}'
    )
    details = {"kind": req.resource.split("/")[0]}
    if req.name:
        details["name"] = req.name
    return ApiError(403, "Forbidden", message, details)


class Faults:
    """Thread-safe fault rules; tests change them while clients run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._denied: set[tuple[str, str]] = set()
        self.watch_forbidden = False
        self.counts: Counter[tuple[str, str, str]] = Counter()

    def inject(
        self,
        *,
        status: int = 500,
        times: int | None = 1,
        method: str | None = None,
        path_regex: str | None = None,
        verb: str | None = None,
        resource: str | None = None,
        message: str = "injected fault",
        retry_after: int | None = None,
    ) -> Fault:
        """Answer the next `times` matching requests with `status` (times=None: until cleared)."""
        fault = Fault(status, times, method, path_regex, verb, resource, message, retry_after)
        fault._pattern = re.compile(path_regex) if path_regex else None
        with self._lock:
            self._faults.append(fault)
        return fault

    def deny(self, verb: str, resource: str) -> None:
        """Answer `verb` on `resource` (e.g. "patch", "pods") with 403, like a missing Role rule."""
        with self._lock:
            self._denied.add((verb, resource))

    def allow(self, verb: str, resource: str) -> None:
        with self._lock:
            self._denied.discard((verb, resource))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._denied.clear()
            self.watch_forbidden = False

    def check(self, req: Request) -> tuple[ApiError, int | None] | None:
        """Count the request; the error to answer with (and Retry-After), if a rule applies."""
        with self._lock:
            self.counts[(req.verb, req.resource, req.client)] += 1
            if (req.verb, req.resource) in self._denied or (
                self.watch_forbidden and req.verb == "watch"
            ):
                return forbidden(req), None
            for fault in self._faults:
                if fault.matches(req) and (fault.times is None or fault.hits < fault.times):
                    fault.hits += 1
                    reason = _REASONS.get(fault.status, "InternalError")
                    return ApiError(fault.status, reason, fault.message), fault.retry_after
        return None

    def requests(
        self, *, client: str | None = None, verb: str | None = None, resource: str | None = None
    ) -> int:
        """How many requests matched; None means any."""
        with self._lock:
            return sum(
                n
                for (v, r, c), n in self.counts.items()
                if (verb is None or v == verb)
                and (resource is None or r == resource)
                and (client is None or c == client)
            )

    def snapshot(self) -> dict[tuple[str, str, str], int]:
        with self._lock:
            return dict(self.counts)

    def clients(self) -> set[str]:
        with self._lock:
            return {c for (_, _, c) in self.counts}
