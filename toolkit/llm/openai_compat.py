"""Any server that speaks OpenAI's chat-completions API: vLLM, llama.cpp's server, LM Studio,
TGI, or OpenAI itself, through the official `openai` client (an optional extra:
`pip install "toolkit[openai]"`).

    OPENAI_BASE_URL=http://gpu-1:8000/v1 OPENAI_MODEL=meta-llama/Llama-3.1-8B-Instruct \\
        python -m toolkit chat "krimiromaanid" --backend openai

The client never retries (the `ModelClient` does, for every backend alike) and every call has a
timeout. Token counts come from the server when it sends them (`stream_options.include_usage`,
which vLLM, llama.cpp and OpenAI honour), else they are estimated and marked so. Structured
output asks for the JSON schema itself (`OPENAI_JSON_MODE=json_schema`; `json_object` or `none`
for servers without it: the client validates and repairs either way). A local server needs no
key; a key, when set, lives only in the client and is never shown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import SecretStr

from toolkit.core.errors import ModelUnavailable
from toolkit.llm.base import ModelRequest, StreamPart
from toolkit.llm.chat_completions import response_format, stream_chunks

_openai: Any
# Imported with this module (chosen only for this backend), never inside a timed call: the
# client would load its resources on first use, ~0.5 s counted against a first-token deadline.
try:
    import openai as _openai
    import openai.resources  # noqa: F401 - loaded now, see above
except ImportError:  # the optional extra is not installed
    _openai = None

NO_KEY = "not-needed"  # the client insists on a key; local servers ignore it


def _sdk() -> Any:
    if _openai is None:
        raise ModelUnavailable('the openai backend needs the openai client: '
                               'pip install "toolkit[openai]"')
    return _openai


class OpenAICompatibleBackend:
    name = "openai"
    simulated = False

    def __init__(self, model: str | None, base_url: str, *,
                 api_key: SecretStr | str | None = None, timeout_s: float = 60.0,
                 json_mode: str = "json_schema") -> None:
        self.model = model or ""  # empty: the first model the server lists (see `available`)
        self.base_url = base_url.rstrip("/")
        secret = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self._api_key = secret or ""
        self._timeout = httpx.Timeout(timeout_s, connect=5.0)
        self.json_mode = json_mode

    def __repr__(self) -> str:
        key = "set" if self._api_key else "not set"
        return f"OpenAICompatibleBackend(model={self.model!r}, base_url={self.base_url!r}, api_key={key})"

    def _clean(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _client(self, timeout: httpx.Timeout) -> Any:
        # A client per call: an async client must not outlive the event loop it was made on.
        return _sdk().AsyncOpenAI(api_key=self._api_key or NO_KEY, base_url=self.base_url,
                                  timeout=timeout, max_retries=0)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamPart]:
        openai = _sdk()
        if not self.model:
            usable, why = await self.available()
            if not usable:
                raise ModelUnavailable(why)
        client = self._client(self._timeout)
        fmt = response_format(request, self.json_mode) or openai.NOT_GIVEN
        try:
            async for part in stream_chunks(openai, lambda: client.chat.completions.create(
                    model=self.model, messages=[m.model_dump() for m in request.messages],
                    stream=True, stream_options={"include_usage": True},
                    temperature=request.temperature, max_tokens=request.max_tokens,
                    response_format=fmt),
                    vendor=f"the server at {self.base_url}", key_variable="OPENAI_API_KEY",
                    clean=self._clean):
                yield part
        finally:
            await client.close()

    async def available(self) -> tuple[bool, str]:
        """Whether the server answers and serves the model (or, with none configured, any model,
        which then becomes this backend's), with the reason."""
        try:
            client = self._client(httpx.Timeout(2.0, connect=1.0))
        except ModelUnavailable as e:
            return False, str(e)
        try:
            listed = [m.id async for m in client.models.list()]
        except Exception as e:  # any failure means "not usable now", with its reason
            return False, self._clean(f"no OpenAI-compatible server answered at {self.base_url} "
                                      f"({type(e).__name__})")
        finally:
            await client.close()
        if not self.model and listed:
            self.model = listed[0]
            return True, f"the server at {self.base_url} serves {self.model}"
        if self.model in listed:
            return True, f"the server at {self.base_url} serves {self.model}"
        return False, (f"the server at {self.base_url} does not serve {self.model or 'any model'}"
                       f" (it lists {', '.join(listed[:5]) or 'none'})")
