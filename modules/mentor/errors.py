"""Error codes of the AI mentor: personal keys, quotas, the journal, and the LLM providers (HTTP errors and
stream `error` events)."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "mentor_quota_exceeded": "Today's mentor replies on the platform's provider are used up (renewed at 00:00 "
        "UTC; replies with your own key are not counted).",
        "byo_disabled": "This server does not accept personal LLM keys.",
        "byo_key_invalid": "`X-LLM-Key` is not a plausible key (8–512 printable characters, no spaces).",
        "byo_key_missing": "`X-LLM-Base-URL` or `X-LLM-Model` was sent without `X-LLM-Key`.",
        "byo_base_url_not_allowed": "`X-LLM-Base-URL` is not one of the servers this deployment allows.",
        "byo_model_not_allowed": "`X-LLM-Model` is not one of the models this deployment allows.",
        "byo_async": "A personal key is used during the request only: it cannot go with `?async=true`.",
        "journal_session_id": "`daily_mentor` writes in today's journal session, which is found by its day: it "
        "takes no `session_id`.",
        "not_a_chat": "This session is a journal: entries go through `POST /mentor/daily/entry/`.",
        "date_in_future": "The journal day is in the future.",
        "date_too_old": "The journal day is too far in the past.",
        "session_deleted": "The mentor session was deleted while the reply was being written.",
        "reply_withheld": "The reply was stopped by the safety check; a safe reply was stored instead.",
        "reply_failed": "The queued reply could not be computed.",
        "mentor_task_interrupted": "The queued reply was interrupted twice (the worker computing it stopped); send "
        "the message again.",
        "mentor_task_expired": "No worker picked the queued reply up in time; send the message again.",
        "provider_unauthorized": "The LLM provider refused the key (yours with `X-LLM-Key`, or the platform's).",
        "provider_rate_limited": "The LLM provider is rate-limiting us; retry later.",
        "provider_timeout": "The LLM provider did not answer (or start, or go on answering) in time.",
        "provider_disconnected": "The LLM provider closed the connection before the reply was complete.",
        "provider_unavailable": "The LLM provider could not be reached.",
        "provider_model_unavailable": "The LLM provider does not offer the configured model.",
        "provider_rejected": "The LLM provider refused the request.",
        "provider_empty_reply": "The LLM provider returned an empty reply.",
        "provider_error": "The LLM provider failed to answer.",
    }
)
