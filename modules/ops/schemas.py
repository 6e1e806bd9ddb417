from ninja import Field, Schema


class HealthOut(Schema):
    status: str = Field(examples=["ok"])


class CheckOut(Schema):
    ok: bool
    detail: str


class ReadinessOut(Schema):
    status: str = Field(description="`ready` or `unavailable`.")
    checks: dict[str, CheckOut]
    detail: str | None = Field(None, description="Which components fail (only when unavailable).")
    code: str | None = Field(None, description="`not_ready` when unavailable.")
