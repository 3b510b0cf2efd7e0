"""Ollama, through the official `ollama` client (NDJSON on /api/chat).

The client has no timeout by default: every call here sets one. The last stream line carries
`prompt_eval_count` and `eval_count`, reported as the call's real token counts. Structured
output goes through `format=` with the JSON schema.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import ollama

from toolkit.core.errors import (
    ModelHTTPError,
    ModelOutputError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
)
from toolkit.llm.base import ModelRequest, StreamPart, TextPart, UsagePart

DEFAULT_HOST = "http://127.0.0.1:11434"


class OllamaBackend:
    name = "ollama"
    simulated = False

    def __init__(self, model: str, host: str | None = None, *, timeout_s: float = 60.0,
                 connect_timeout_s: float = 5.0) -> None:
        self.model = model
        self.host = host or DEFAULT_HOST
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)

    def __repr__(self) -> str:
        return f"OllamaBackend(model={self.model!r}, host={self.host!r})"

    def _client(self) -> ollama.AsyncClient:
        # A client per call: an async client must not outlive the event loop it was made on
        # (Streamlit runs each script on a new one).
        return ollama.AsyncClient(host=self.host, timeout=self._timeout)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamPart]:
        client = self._client()
        try:
            parts = await client.chat(
                model=self.model,
                messages=[m.model_dump() for m in request.messages],
                stream=True,
                format=request.json_schema,
                options={"temperature": request.temperature, "num_predict": request.max_tokens},
            )
            async for chunk in parts:
                if chunk.message is not None and chunk.message.content:
                    yield TextPart(chunk.message.content)
                if chunk.done:
                    yield UsagePart(chunk.prompt_eval_count, chunk.eval_count)
        except ollama.ResponseError as e:
            raise self._error(e) from None
        except (httpx.ConnectError, ConnectionError) as e:
            raise ModelUnavailable(f"cannot reach Ollama at {self.host}: start it with "
                                   "`ollama serve`, or set OLLAMA_HOST") from e
        except httpx.TimeoutException as e:
            raise ModelTimeout(f"Ollama at {self.host} timed out") from e
        except (httpx.RemoteProtocolError, httpx.ReadError) as e:
            raise ModelUnavailable(f"Ollama at {self.host} closed the connection mid-answer") from e
        except json.JSONDecodeError as e:
            raise ModelOutputError(f"Ollama sent a malformed stream line: {e.msg}") from e
        finally:
            await client.close()  # type: ignore[no-untyped-call]  # untyped in ollama 0.6

    def _error(self, e: ollama.ResponseError) -> Exception:
        status = getattr(e, "status_code", -1)
        if status == 404:
            return ModelUnavailable(f"Ollama has no model {self.model!r}: run `ollama pull {self.model}`")
        if status == 429:
            return ModelRateLimited(f"Ollama is busy (429): {e.error}")
        if status == -1:
            return ModelOutputError(f"Ollama reported an error mid-stream: {e.error}")
        return ModelHTTPError(f"Ollama answered {status}: {e.error}", status)

    async def available(self) -> tuple[bool, str]:
        """Whether the server answers and has the model, with the reason."""
        client = ollama.AsyncClient(host=self.host, timeout=httpx.Timeout(2.0, connect=1.0))
        try:
            listed = await client.list()
        except Exception as e:  # any failure means "not usable now", with its reason
            return False, f"Ollama at {self.host} did not answer ({type(e).__name__})"
        finally:
            await client.close()  # type: ignore[no-untyped-call]  # untyped in ollama 0.6
        names = {m.model for m in listed.models}
        wanted = {self.model, f"{self.model}:latest"}
        if names & wanted:
            return True, f"Ollama at {self.host} has {self.model}"
        return False, f"Ollama at {self.host} lacks {self.model} (has {len(names)} other models)"
