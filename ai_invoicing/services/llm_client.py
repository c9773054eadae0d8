"""Provider-agnostic LLM gateway on the official ``openai`` SDK.

Any OpenAI-compatible endpoint works by configuration only (OpenAI, Azure
OpenAI's /openai/v1 endpoint, vLLM, Ollama, LiteLLM): a base URL, a model, a key.

Retries: the SDK retries with exponential backoff (0.5 s doubling, capped at
8 s, honouring ``Retry-After``) on connection errors, timeouts, HTTP 408, 409,
429 and 5xx, up to ``max_retries`` times; 400/401/403/404/422 are never
retried (``openai._base_client.BaseClient._should_retry``). On top of that we
make at most one repair exchange when the answer does not validate.

``complete`` never raises for LLM problems: it returns ``data=None`` with a
plain-English ``error`` and ``fallback_used=True``, and the caller uses
template text. The API key never appears in a repr, an error or a log.
"""

import logging
import time
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from .budget import Budget
from .llm_schemas import strict_json_schema
from .prompts import PromptSpec, build_messages

_logger = logging.getLogger(__name__)

ResponseFormat = Literal["auto", "json_schema", "json_object"]


@dataclass(frozen=True)
class LLMConfig:
    base_url: str | None
    api_key: str | None = field(repr=False)
    model: str
    timeout: float = 20.0
    max_retries: int = 2
    response_format: ResponseFormat = "auto"


@dataclass
class LLMResult:
    data: BaseModel | None
    model: str
    prompt_version: str
    fallback_used: bool
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    error: str | None = None
    attempts: int = 0
    # what was exchanged, request by request (``RequestRecord``; the audit trail)
    requests: list = field(default_factory=list)
    endpoint_host: str = ""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class RequestRecord:
    """One request of a ``complete`` call, as sent and as answered (no key, ever).

    ``messages``: the exact chat messages sent; ``answer``: the raw text answered
    (None when nothing came back); ``validation``: ``"valid"``, the schema error, or
    None when there was no answer to validate; ``repair``: the request asking to
    correct an answer that did not validate.
    """

    messages: list[dict]
    answer: str | None = None
    validation: str | None = None
    error: str | None = None
    repair: bool = False


class LLMFailure(Exception):
    """An LLM problem, already phrased for a person."""


class _Exchange:
    """Bookkeeping of one ``complete`` call (tokens, attempts, model)."""

    def __init__(self, model: str):
        self.model = model
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.attempts = 0
        self.json_mode = False  # the server refused strict JSON schemas
        self.requests: list[RequestRecord] = []

    def record(self, response):
        self.attempts += 1
        usage = getattr(response, "usage", None)
        if usage:
            self.prompt_tokens += usage.prompt_tokens or 0
            self.completion_tokens += usage.completion_tokens or 0
        self.model = getattr(response, "model", None) or self.model


class LLMGateway:
    def __init__(self, config: LLMConfig, client=None):
        self.config = config
        self._client = client

    # -- configuration ---------------------------------------------------
    def missing_configuration(self) -> str | None:
        missing = [
            label
            for label, value in (
                ("base URL", self.config.base_url),
                ("model", self.config.model),
                ("API key", self.config.api_key),
            )
            if not value
        ]
        if missing:
            return f"LLM is not configured: set the {', '.join(missing)} in Settings."
        return None

    @property
    def client(self):
        if self._client is None:
            import openai  # imported lazily: rules-only installs never load it

            self._client = openai.OpenAI(
                base_url=self.config.base_url,
                api_key=self.config.api_key,
                timeout=self.config.timeout,
                max_retries=self.config.max_retries,
            )
        return self._client

    # -- public API ------------------------------------------------------
    def complete(
        self,
        spec: PromptSpec,
        facts: dict,
        untrusted: dict[str, str],
        budget: Budget | None = None,
    ) -> LLMResult:
        """Structured answer for ``spec``, or a fallback result with the reason."""
        started = time.monotonic()
        exchange = _Exchange(self.config.model)
        reason = self.missing_configuration() or (budget and budget.exhausted_reason())
        data = None
        if not reason:
            try:
                data = self._complete(spec, build_messages(spec, facts, untrusted), exchange)
            except LLMFailure as exc:
                reason = self._mask(str(exc))
        if reason:
            _logger.info("LLM %s fell back to template: %s", spec.name, reason)
        return LLMResult(
            data=data,
            model=exchange.model,
            prompt_version=spec.version,
            fallback_used=data is None,
            prompt_tokens=exchange.prompt_tokens,
            completion_tokens=exchange.completion_tokens,
            latency_ms=int((time.monotonic() - started) * 1000),
            error=reason or None,
            attempts=exchange.attempts,
            requests=[self._masked_record(r) for r in exchange.requests],
            endpoint_host=self.endpoint_host(),
        )

    def endpoint_host(self) -> str:
        """The endpoint's host (and port): what the audit trail names, never the URL's secrets."""
        try:
            parts = urlsplit(self.config.base_url or "")
            host = parts.hostname or ""
            return f"{host}:{parts.port}" if host and parts.port else host
        except ValueError:
            return ""

    def _masked_record(self, record: RequestRecord) -> RequestRecord:
        return RequestRecord(
            messages=[
                {
                    key: self._mask(value) if isinstance(value, str) else value
                    for key, value in message.items()
                }
                for message in record.messages
            ],
            answer=self._mask(record.answer) if record.answer is not None else None,
            validation=record.validation,
            error=self._mask(record.error) if record.error else None,
            repair=record.repair,
        )

    def test_connection(self) -> tuple[bool, str]:
        """One tiny request; (True, 'Connected to ...') or (False, plain error)."""
        missing = self.missing_configuration()
        if missing:
            return False, missing
        started = time.monotonic()
        try:
            response = self._create(
                [{"role": "user", "content": "Reply with the word OK."}], max_tokens=5
            )
        except LLMFailure as exc:
            return False, self._mask(str(exc))
        latency = int((time.monotonic() - started) * 1000)
        model = getattr(response, "model", None) or self.config.model
        return True, f"Connected to {model} in {latency} ms"

    # -- internals -------------------------------------------------------
    def _complete(self, spec: PromptSpec, messages: list[dict], exchange: _Exchange):
        content = self._answer(messages, exchange, spec)
        try:
            data = spec.schema.model_validate_json(content)
        except ValidationError as exc:
            first_error = self._short_error(exc)
            exchange.requests[-1].validation = first_error
        else:
            exchange.requests[-1].validation = "valid"
            return data
        repair = messages + [
            {"role": "assistant", "content": content},
            {
                "role": "user",
                "content": (
                    "Your answer does not match the JSON schema: "
                    f"{first_error}. Answer again with corrected JSON only."
                ),
            },
        ]
        content = self._answer(repair, exchange, spec, repair=True)
        try:
            data = spec.schema.model_validate_json(content)
        except ValidationError as exc:
            exchange.requests[-1].validation = self._short_error(exc)
            raise LLMFailure(
                f"LLM output failed validation twice and was discarded: {self._short_error(exc)}"
            ) from exc
        exchange.requests[-1].validation = "valid"
        return data

    def _answer(self, messages, exchange: _Exchange, spec: PromptSpec, repair=False) -> str:
        """The text answered to ``messages``, recorded on ``exchange`` as sent and answered."""
        record = RequestRecord(messages=messages, repair=repair)
        exchange.requests.append(record)
        try:
            response = self._create(messages, exchange, spec)
            choice = response.choices[0] if response.choices else None
            message = choice.message if choice is not None else None
            record.answer = getattr(message, "refusal", None) or getattr(message, "content", None)
            return self._content(response)
        except LLMFailure as exc:
            record.error = str(exc)
            raise

    def _response_format(self, spec: PromptSpec | None, exchange: _Exchange | None) -> dict:
        if spec is None:
            return {}
        if self.config.response_format == "json_object" or (exchange and exchange.json_mode):
            return {"response_format": {"type": "json_object"}}
        schema = {"name": spec.name, "schema": strict_json_schema(spec.schema), "strict": True}
        return {"response_format": {"type": "json_schema", "json_schema": schema}}

    def _create(self, messages, exchange=None, spec=None, **kwargs):
        import openai

        request = dict(model=self.config.model, messages=messages, **kwargs)
        try:
            try:
                response = self.client.chat.completions.create(
                    **request, **self._response_format(spec, exchange)
                )
            except openai.BadRequestError as exc:
                if not (exchange and self._schema_unsupported(exc, exchange)):
                    raise
                # The server does not know strict JSON schemas: use JSON mode.
                exchange.json_mode = True
                response = self.client.chat.completions.create(
                    **request, **self._response_format(spec, exchange)
                )
        except openai.APITimeoutError as exc:
            raise LLMFailure(
                f"The LLM endpoint did not answer within {self.config.timeout:g} s."
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMFailure(
                f"Cannot reach the LLM endpoint at {self.config.base_url}: {exc.__cause__ or exc}"
            ) from exc
        except openai.APIStatusError as exc:
            raise LLMFailure(
                f"LLM endpoint refused the request (HTTP {exc.status_code}): "
                f"{self._server_message(exc)}"
            ) from exc
        if exchange is not None:
            exchange.record(response)
        return response

    def _schema_unsupported(self, exc, exchange: _Exchange) -> bool:
        if self.config.response_format != "auto" or exchange.json_mode:
            return False
        text = self._server_message(exc).lower()
        return any(word in text for word in ("response_format", "json_schema", "schema"))

    @staticmethod
    def _server_message(exc) -> str:
        body = getattr(exc, "body", None)
        if isinstance(body, dict):
            error = body.get("error", body)
            if isinstance(error, dict) and error.get("message"):
                return str(error["message"])
            if isinstance(error, str):
                return error
        return getattr(exc, "message", None) or str(exc)

    @staticmethod
    def _content(response) -> str:
        choice = response.choices[0] if response.choices else None
        if choice is None:
            raise LLMFailure("The LLM returned no answer.")
        message = choice.message
        if getattr(message, "refusal", None):
            raise LLMFailure(f"The LLM refused to answer: {message.refusal}")
        if not message.content:
            raise LLMFailure("The LLM returned an empty answer.")
        return message.content

    @staticmethod
    def _short_error(exc: ValidationError) -> str:
        parts = []
        for error in exc.errors()[:3]:
            where = ".".join(str(p) for p in error.get("loc", ())) or "answer"
            parts.append(f"{where}: {error.get('msg')}")
        return "; ".join(parts)

    def _mask(self, text: str) -> str:
        key = self.config.api_key
        if key and key in text:
            text = text.replace(key, "***")
        return text
