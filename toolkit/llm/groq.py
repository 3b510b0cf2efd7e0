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

from toolkit.core.errors import ModelUnavailable
from toolkit.llm.base import ModelRequest, StreamPart
from toolkit.llm.chat_completions import response_format, stream_chunks


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
        messages: Any = [m.model_dump() for m in request.messages]  # role/content dicts
        fmt: Any = response_format(request, self.json_mode) or groq.NOT_GIVEN
        try:
            async for part in stream_chunks(groq, lambda: client.chat.completions.create(
                    model=self.model, messages=messages, stream=True,
                    temperature=request.temperature, max_tokens=request.max_tokens,
                    response_format=fmt),
                    vendor="Groq", key_variable="GROQ_API_KEY", clean=self._clean):
                yield part
        finally:
            await client.close()
