"""/api/v1/health/ (liveness) and /api/v1/health/ready/ (readiness)."""

from django.http import HttpRequest
from ninja import Router, Status

from modules.ops.schemas import HealthOut, ReadinessOut
from modules.ops.selectors import readiness

router = Router(tags=["health"])


@router.get("/", response={200: HealthOut}, auth=None, summary="Liveness: the process answers")
def health_live(request: HttpRequest):
    return HealthOut(status="ok")


@router.get(
    "/ready/",
    response={200: ReadinessOut, 503: ReadinessOut},
    auth=None,
    summary="Readiness: database reachable, migrations applied, a worker alive",
)
def health_ready(request: HttpRequest):
    state = readiness()
    return Status(200 if state.ok else 503, state)
