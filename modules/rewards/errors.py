"""Error codes of the contributor-rewards ledger, its GitHub webhook, snapshots, payouts and disputes."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "webhook_disabled": "The GitHub webhook has no secret configured, so it accepts nothing.",
        "invalid_signature": "`X-Hub-Signature-256` is missing or does not match the body.",
        "missing_headers": "`X-GitHub-Event` and `X-GitHub-Delivery` are required.",
        "unexpected_payload": "The webhook body is not the GitHub event it claims to be.",
        "invalid_github_login": "Not a GitHub login.",
        "already_linked": "This GitHub login is already linked to your account.",
        "login_taken": "This GitHub login is linked to another account: open an identity dispute.",
        "identity_pending": "The contributor has not linked a SelfLink account yet.",
        "no_rules": "No rewards rules were in force at that moment.",
        "zero_adjustment": "An adjustment of zero points changes nothing.",
        "zero_amount": "A revenue line of zero changes nothing.",
        "reason_required": "An adjustment needs a reason.",
        "currency_mismatch": "Revenue is accounted in one currency only (`REWARDS_CURRENCY`).",
        "period_open": "The month has not ended yet.",
        "period_final": "The month is final: corrections go into the next open month.",
        "previous_not_final": "The previous month must be final first (its carry-over is an input).",
        "no_snapshot": "The month has no snapshot yet.",
        "dispute_window_open": "The month's dispute window is still open.",
        "dispute_window_closed": "The month's dispute window has closed.",
        "resolution_required": "Resolving a dispute needs an explanation.",
        "invalid_transition": "The payout cannot move to that status from its current one.",
    }
)
