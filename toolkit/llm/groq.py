"""Groq, through the official `groq` client (SSE on /openai/v1/chat/completions).

`AsyncGroq` retries twice by default; here it does not retry at all (the `ModelClient` does,
once, for everything), and every call has a timeout. The last SSE chunk carries
`x_groq.usage`, reported as the call's real token counts. The API key lives only in the
client; it is never part of a repr, a log line, an event or an error message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import groq
import httpx
from pydantic import SecretStr

from toolkit.core.errors import (
    ModelError,
    ModelHTTPError,
    ModelOutputError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
)
from toolkit.llm.base import ModelRequest, StreamPart, TextPart, UsagePart


class GroqBackend:
    name = "groq"
    simulated = False

    def __init__(self, model: str, *, api_key: SecretStr | str | None = None,
                 base_url: str | None = None, timeout_s: float = 60.0,
                 json_mode: str = "json_object") -> None:
        self.model = model
        secret = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self._api_key = secret or ""
        self.base_url = base_url or None
        self._timeout = httpx.Timeout(timeout_s, connect=5.0)
        self.json_mode = json_mode  # "json_object" works with every Groq model

    def __repr__(self) -> str:
        key = "set" if self._api_key else "not set"
        return f"GroqBackend(model={self.model!r}, api_key={key})"

    @property
    def has_key(self) -> bool:
        return bool(self._api_key)

    def _clean(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamPart]:
        if not self._api_key:
            raise ModelUnavailable("GROQ_API_KEY is not set")
        client = groq.AsyncGroq(api_key=self._api_key, base_url=self.base_url,
                                timeout=self._timeout, max_retries=0)
        response_format: Any = groq.NOT_GIVEN
        if request.json_schema is not None:
            response_format = (
                {"type": "json_schema", "json_schema": {"name": request.task,
                                                        "schema": request.json_schema}}
                if self.json_mode == "json_schema" else {"type": "json_object"})
        messages: Any = [m.model_dump() for m in request.messages]  # role/content dicts
        try:
            stream = await client.chat.completions.create(
                model=self.model, messages=messages, stream=True,
                temperature=request.temperature, max_tokens=request.max_tokens,
                response_format=response_format)
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield TextPart(chunk.choices[0].delta.content)
                usage = getattr(getattr(chunk, "x_groq", None), "usage", None) or chunk.usage
                if usage is not None:
                    yield UsagePart(usage.prompt_tokens, usage.completion_tokens)
        except groq.RateLimitError as e:
            raise ModelRateLimited(self._clean(f"Groq rate limit (429): {_message(e)}"),
                                   _retry_after(e.response)) from None
        except groq.APIStatusError as e:
            status = e.status_code
            if status == 401:
                raise ModelHTTPError("Groq refused the API key (401): check GROQ_API_KEY", 401) from None
            raise ModelHTTPError(self._clean(f"Groq answered {status}: {_message(e)}"), status) from None
        except groq.APITimeoutError:
            raise ModelTimeout("Groq timed out") from None
        except groq.APIConnectionError as e:
            raise ModelUnavailable(self._clean(f"cannot reach Groq: {type(e.__cause__).__name__}")) from None
        except (httpx.RemoteProtocolError, httpx.ReadError):
            raise ModelUnavailable("Groq closed the connection mid-answer") from None
        except ModelError:
            raise
        except ValueError as e:  # a malformed SSE payload
            raise ModelOutputError(self._clean(f"Groq sent a malformed stream: {e}")) from None
        finally:
            await client.close()


def _message(e: groq.APIStatusError) -> str:
    body = e.body if isinstance(e.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    return str(error.get("message") if isinstance(error, dict) else error or e.message)[:300]


def _retry_after(response: httpx.Response | None) -> float | None:
    if response is None:
        return None
    for header, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = response.headers.get(header)
        if value:
            try:
                return float(value) * scale
            except ValueError:
                continue
    return None
