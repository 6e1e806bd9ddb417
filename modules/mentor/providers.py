"""Where mentor replies come from: one interface, two implementations (plus the fixed safety reply).

- `OfflineProvider`: the deterministic offline mentor (`offline.py`), the default (`MENTOR_PROVIDER=offline`).
- `OpenAICompatibleProvider`: any server speaking the OpenAI Chat Completions API (OpenAI, Ollama, vLLM, llama.cpp
  server, LM Studio, OpenRouter …) through the `openai` client, with base URL, model, timeouts, max tokens and
  retries from settings; streamed with `AsyncOpenAI`. Each call builds its own client and closes it; all share one
  TLS context (building one loads the CA bundle: about 20 ms of CPU, on the event loop for a streamed reply).

Bring your own key: `byo_config()` reads `X-LLM-Key` (and optionally `X-LLM-Base-URL` / `X-LLM-Model`, which must be
in `MENTOR_BYO_BASE_URLS` / `MENTOR_BYO_MODELS`). The key goes into a `ProviderConfig` for this request only and
from there into that request's client object; it is never stored, logged, queued or echoed, and a failing call
with it is reported as such (never retried with the platform key). Errors of a provider become `ProviderError`
with a stable code and a message of our own: a provider's error text can quote the key, so it is never passed on.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import AsyncIterator, Mapping
from functools import cache
from typing import Protocol

import httpx
import openai
from django.conf import settings

from modules.core.public import ValidationFailed
from modules.mentor import offline
from modules.mentor.contracts import Prompt, ProviderConfig

logger = logging.getLogger(__name__)

OFFLINE_MODEL = "selflink-offline-1"
KEY_HEADER = "X-LLM-Key"
BASE_URL_HEADER = "X-LLM-Base-URL"
MODEL_HEADER = "X-LLM-Model"
_KEY_SHAPE = re.compile(r"^[\x21-\x7e]{8,512}$")  # printable ASCII, no spaces


class ProviderError(Exception):
    """A provider could not answer. `detail` is ours (never the provider's text); `status` is the HTTP status."""

    def __init__(self, code: str, detail: str, status: int = 502) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status


class Provider(Protocol):
    name: str  # offline | openai | safety
    model: str
    byo: bool

    def complete(self, prompt: Prompt) -> str:
        """The whole reply (blocking)."""

    def astream(self, prompt: Prompt) -> AsyncIterator[str]:
        """The reply as text deltas; closing the iterator stops the generation."""


class OfflineProvider:
    name = "offline"
    model = OFFLINE_MODEL
    byo = False

    def complete(self, prompt: Prompt) -> str:
        return offline.compose(prompt)

    async def astream(self, prompt: Prompt) -> AsyncIterator[str]:
        for chunk in offline.chunks(offline.compose(prompt)):
            yield chunk
            await asyncio.sleep(0)  # like a provider: the event loop serves others between tokens


class FixedReplyProvider:
    """A reply decided without a model (the supportive reply to crisis signals)."""

    model = ""
    byo = False

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text

    def complete(self, prompt: Prompt) -> str:
        return self.text

    async def astream(self, prompt: Prompt) -> AsyncIterator[str]:
        for chunk in offline.chunks(self.text):
            yield chunk
            await asyncio.sleep(0)


def _error_for(exc: BaseException, config: ProviderConfig, *, streaming: bool = False) -> ProviderError:
    whose = "your LLM key (X-LLM-Key)" if config.byo else "the server's LLM credentials"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ProviderError("provider_unauthorized", f"The LLM provider refused {whose}.")
    if isinstance(exc, openai.RateLimitError):
        detail = "The LLM provider is rate-limiting " + (
            "your key." if config.byo else "the mentor; try again shortly."
        )
        return ProviderError("provider_rate_limited", detail, 503)
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException | TimeoutError):
        return ProviderError("provider_timeout", "The LLM provider did not answer in time.", 504)
    if isinstance(exc, httpx.RemoteProtocolError) or (streaming and isinstance(exc, httpx.TransportError)):
        return ProviderError("provider_disconnected", "The LLM provider closed the connection before finishing.")
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return ProviderError("provider_unavailable", "Could not reach the LLM provider.")
    if isinstance(exc, openai.NotFoundError):
        return ProviderError("provider_model_unavailable", f"The LLM provider does not offer the model {config.model}.")
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return ProviderError("provider_rejected", "The LLM provider refused the request.")
    return ProviderError("provider_error", "The LLM provider failed to answer.")


@cache
def _tls_context() -> ssl.SSLContext:
    """The TLS context of every provider client, built once per process (as httpx would build it per client)."""
    return httpx.create_ssl_context()


def _log_failure(config: ProviderConfig, error: ProviderError, exc: BaseException) -> None:
    # Class names and our codes only: exception texts can carry what the provider echoed (keys included).
    status = getattr(exc, "status_code", None)
    logger.warning(
        "mentor provider call failed: %s (%s%s, %s key)",
        error.code,
        type(exc).__name__,
        f" {status}" if status else "",
        "personal" if config.byo else "platform",
    )


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, config: ProviderConfig) -> None:
        self._config = config
        self.model = config.model
        self.byo = config.byo

    def _client_options(self, *, read: float) -> dict:
        """Everything explicit: the client never falls back to OPENAI_* environment variables (a platform
        organisation, project or admin key must not travel with a personal key to another server)."""
        config = self._config
        headers = {"OpenAI-Organization": openai.omit, "OpenAI-Project": openai.omit}
        return {
            "api_key": config.api_key,
            "admin_api_key": "",
            "base_url": config.base_url,
            "max_retries": config.max_retries,
            "timeout": httpx.Timeout(read, connect=config.connect_timeout),
            "default_headers": headers,
        }

    def _request(self, prompt: Prompt) -> dict:
        request = {"model": self._config.model, "messages": prompt.as_openai(), "max_tokens": self._config.max_tokens}
        if not self._config.api_key:
            request["extra_headers"] = {"Authorization": openai.omit}  # keyless servers (Ollama, llama.cpp …)
        return request

    def complete(self, prompt: Prompt) -> str:
        config = self._config
        try:
            with openai.OpenAI(
                **self._client_options(read=config.total_timeout),
                http_client=openai.DefaultHttpxClient(verify=_tls_context()),
            ) as client:
                response = client.chat.completions.create(**self._request(prompt))
        except Exception as exc:
            error = _error_for(exc, config)
            _log_failure(config, error, exc)
            raise error from None
        text = (response.choices[0].message.content if response.choices else None) or ""
        if not text.strip():
            raise ProviderError("provider_empty_reply", "The LLM provider returned an empty reply.")
        return text

    async def astream(self, prompt: Prompt) -> AsyncIterator[str]:
        config = self._config
        loop = asyncio.get_running_loop()
        started = loop.time()
        total_deadline = started + config.total_timeout
        first_deadline = min(started + config.first_token_timeout, total_deadline)
        client = openai.AsyncOpenAI(
            **self._client_options(read=max(config.first_token_timeout, config.idle_timeout)),
            http_client=openai.DefaultAsyncHttpxClient(verify=_tls_context()),
        )
        stream = None
        got_text = False
        phase = "first"
        try:
            try:
                stream = await asyncio.wait_for(
                    client.chat.completions.create(**self._request(prompt), stream=True),
                    timeout=max(0.0, first_deadline - loop.time()),
                )
                chunks = stream.__aiter__()
                while True:
                    if got_text:
                        idle_deadline = loop.time() + config.idle_timeout
                        deadline, phase = (
                            (total_deadline, "total") if total_deadline <= idle_deadline else (idle_deadline, "idle")
                        )
                    else:
                        deadline = first_deadline
                    try:
                        chunk = await asyncio.wait_for(chunks.__anext__(), timeout=max(0.0, deadline - loop.time()))
                    except StopAsyncIteration:
                        break
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta:
                        got_text = True
                        yield delta
            except TimeoutError:
                waited = {
                    "first": f"did not start answering within {config.first_token_timeout:g} s",
                    "idle": f"sent nothing for {config.idle_timeout:g} s",
                    "total": f"did not finish within {config.total_timeout:g} s",
                }[phase]
                logger.warning(
                    "mentor provider stream timed out (%s, %s key)", phase, "personal" if self.byo else "platform"
                )
                raise ProviderError("provider_timeout", f"The LLM provider {waited}.", 504) from None
            except Exception as exc:
                error = _error_for(exc, config, streaming=stream is not None)
                _log_failure(config, error, exc)
                raise error from None
        finally:
            # Closing the response drops the connection: the provider stops generating.
            if stream is not None:
                await stream.close()
            await client.close()


def _config(*, base_url: str, model: str, api_key: str, byo: bool) -> ProviderConfig:
    return ProviderConfig(
        base_url=base_url,
        model=model,
        api_key=api_key,
        byo=byo,
        connect_timeout=float(settings.MENTOR_CONNECT_TIMEOUT_SECONDS),
        first_token_timeout=float(settings.MENTOR_FIRST_TOKEN_TIMEOUT_SECONDS),
        idle_timeout=float(settings.MENTOR_IDLE_TIMEOUT_SECONDS),
        total_timeout=float(settings.MENTOR_TIMEOUT_SECONDS),
        max_tokens=settings.MENTOR_MAX_TOKENS,
        max_retries=settings.MENTOR_MAX_RETRIES,
    )


def platform_provider() -> Provider:
    """The server's own provider (jobs, memory summaries and requests without a personal key)."""
    if settings.MENTOR_PROVIDER == "openai":
        return OpenAICompatibleProvider(
            _config(
                base_url=settings.MENTOR_BASE_URL,
                model=settings.MENTOR_MODEL,
                api_key=settings.MENTOR_API_KEY,
                byo=False,
            )
        )
    return OfflineProvider()


def byo_config(headers: Mapping[str, str]) -> ProviderConfig | None:
    """The personal-key configuration this request asks for, or None. Invalid requests are 422s that never
    quote the key."""
    key = headers.get(KEY_HEADER)
    base_url = (headers.get(BASE_URL_HEADER) or "").strip().rstrip("/")
    model = (headers.get(MODEL_HEADER) or "").strip()
    if key is None or key.strip() == "":
        if base_url or model:
            raise ValidationFailed.for_field(
                KEY_HEADER,
                f"{BASE_URL_HEADER} and {MODEL_HEADER} only apply with {KEY_HEADER}.",
                code="byo_key_missing",
            )
        return None
    key = key.strip()
    if not _KEY_SHAPE.match(key):
        raise ValidationFailed.for_field(
            KEY_HEADER, "X-LLM-Key must be 8–512 printable characters without spaces.", code="byo_key_invalid"
        )
    allowed_urls = settings.MENTOR_BYO_BASE_URLS
    if not allowed_urls:
        raise ValidationFailed.for_field(
            KEY_HEADER, "This server does not accept personal LLM keys.", code="byo_disabled"
        )
    if base_url and base_url not in allowed_urls:
        raise ValidationFailed.for_field(
            BASE_URL_HEADER,
            "X-LLM-Base-URL must be one of: " + ", ".join(allowed_urls),
            code="byo_base_url_not_allowed",
        )
    allowed_models = settings.MENTOR_BYO_MODELS or [settings.MENTOR_MODEL]
    if model and model not in allowed_models:
        raise ValidationFailed.for_field(
            MODEL_HEADER, "X-LLM-Model must be one of: " + ", ".join(allowed_models), code="byo_model_not_allowed"
        )
    return _config(base_url=base_url or allowed_urls[0], model=model or allowed_models[0], api_key=key, byo=True)


def provider_for(byo: ProviderConfig | None) -> Provider:
    return OpenAICompatibleProvider(byo) if byo is not None else platform_provider()
