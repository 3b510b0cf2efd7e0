"""The OpenAI chat-completions protocol as Groq and every OpenAI-compatible server speak it.

Groq's `groq` client and OpenAI's `openai` client are generated from one design: the same
request, the same SSE chunks, the same exception classes under the same names. `stream_chunks`
reads such a stream into our parts and turns each client's failures into our errors, so the two
backends (`toolkit.llm.groq`, `toolkit.llm.openai_compat`) differ only in how they are set up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import ModuleType
from typing import Any

import httpx

from toolkit.core.errors import (
    ModelError,
    ModelHTTPError,
    ModelOutputError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
)
from toolkit.llm.base import ModelRequest, StreamPart, TextPart, UsagePart

JSON_MODES = ("json_schema", "json_object", "none")


def response_format(request: ModelRequest, mode: str) -> dict[str, Any] | None:
    """How to ask for JSON: the schema itself (vLLM, llama.cpp, LM Studio, Groq's newer models),
    any JSON object (every Groq model), or not at all (the client validates and repairs)."""
    if request.json_schema is None or mode == "none":
        return None
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": request.task,
                                                       "schema": request.json_schema}}
    return {"type": "json_object"}


async def stream_chunks(sdk: ModuleType, start: Callable[[], Awaitable[Any]], *, vendor: str,
                        key_variable: str, clean: Callable[[str], str]
                        ) -> AsyncIterator[StreamPart]:
    """The text and usage of the stream `start()` opens, with `sdk`'s failures (the `groq` or
    `openai` module) as our errors; `clean` removes the API key from any message."""
    try:
        stream = await start()
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                yield TextPart(chunk.choices[0].delta.content)
            usage = getattr(getattr(chunk, "x_groq", None), "usage", None) or chunk.usage
            if usage is not None:
                yield UsagePart(usage.prompt_tokens, usage.completion_tokens)
    except sdk.RateLimitError as e:
        raise ModelRateLimited(clean(f"{vendor} rate limit (429): {_message(e)}"),
                               _retry_after(e.response)) from None
    except sdk.APIStatusError as e:
        status = e.status_code
        if status == 401:
            raise ModelHTTPError(f"{vendor} refused the API key (401): check {key_variable}",
                                 401) from None
        raise ModelHTTPError(clean(f"{vendor} answered {status}: {_message(e)}"), status) from None
    except sdk.APITimeoutError:
        raise ModelTimeout(f"{vendor} timed out") from None
    except sdk.APIConnectionError as e:
        raise ModelUnavailable(clean(f"cannot reach {vendor}: {type(e.__cause__).__name__}")) from None
    except (httpx.RemoteProtocolError, httpx.ReadError):
        raise ModelUnavailable(f"{vendor} closed the connection mid-answer") from None
    except ModelError:
        raise
    except ValueError as e:  # a malformed SSE payload
        raise ModelOutputError(clean(f"{vendor} sent a malformed stream: {e}")) from None


def _message(e: Any) -> str:
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
