"""/api/v1/health/ (liveness) and /api/v1/health/ready/ (readiness)."""

from django.http import HttpRequest
from ninja import Router, Status

from modules.ops.schemas import HealthOut, ReadinessOut
from modules.ops.selectors import readiness

router = Router(tags=["health"])


@router.get(
    "/health/",
    operation_id="healthLive",
    response={200: HealthOut},
    auth=None,
    summary="Liveness: the process answers",
)
def health(request: HttpRequest):
    return {"status": "ok"}


@router.get(
    "/health/ready/",
    operation_id="healthReady",
    response={200: ReadinessOut, 503: ReadinessOut},
    auth=None,
    summary="Readiness: database reachable, migrations applied, a worker alive",
)
def health_ready(request: HttpRequest):
    state = readiness()
    checks = {name: {"ok": check.ok, "detail": check.detail} for name, check in state.checks.items()}
    if state.ok:
        return {"status": "ready", "checks": checks}
    detail = "; ".join(f"{name}: {state.checks[name].detail}" for name in state.failing)
    return Status(503, {"status": "unavailable", "checks": checks, "detail": detail, "code": "not_ready"})
