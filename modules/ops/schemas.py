from __future__ import annotations

from typing import TYPE_CHECKING

from ninja import Field, Schema

if TYPE_CHECKING:
    from modules.ops.selectors import Readiness

NOT_READY_CODE = "not_ready"


class HealthOut(Schema):
    status: str = Field(examples=["ok"])


class CheckOut(Schema):
    ok: bool
    detail: str


class ReadinessOut(Schema):
    # Reads `selectors.Readiness`: the checks as they are, the verdict computed from them.
    status: str = Field(description="`ready` or `unavailable`.")
    checks: dict[str, CheckOut]
    detail: str | None = Field(None, description="Which components fail (only when unavailable).")
    code: str | None = Field(None, description="`not_ready` when unavailable.")

    @staticmethod
    def resolve_status(state: Readiness) -> str:
        return "ready" if state.ok else "unavailable"

    @staticmethod
    def resolve_detail(state: Readiness) -> str | None:
        return "; ".join(f"{name}: {state.checks[name].detail}" for name in state.failing) or None

    @staticmethod
    def resolve_code(state: Readiness) -> str | None:
        return None if state.ok else NOT_READY_CODE
