"""Status bookkeeping: phases, conditions and the Go operator's counters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

PENDING = "Pending"
RUNNING = "Running"
REPORTING = "Reporting"
NOTIFYING = "Notifying"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
TERMINAL = (SUCCEEDED, FAILED)

Json = dict[str, Any]


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_condition(
    status: Json, type_: str, ok: bool, reason: str, message: str, generation: int
) -> None:
    """Upsert one condition; lastTransitionTime moves only when its status flips."""
    conditions: list[Json] = [dict(c) for c in status.get("conditions") or []]
    value = "True" if ok else "False"
    for cond in conditions:
        if cond.get("type") == type_:
            if cond.get("status") != value:
                cond["lastTransitionTime"] = now_rfc3339()
            cond.update(status=value, reason=reason, message=message)
            cond["observedGeneration"] = generation
            break
    else:
        conditions.append(
            {
                "type": type_,
                "status": value,
                "reason": reason,
                "message": message,
                "lastTransitionTime": now_rfc3339(),
                "observedGeneration": generation,
            }
        )
    status["conditions"] = conditions


def job_finished(job: Json) -> str | None:
    """ "Complete" or "Failed" once the Job controller said so, else None."""
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return str(cond["type"])
    return None


def parse_time(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
