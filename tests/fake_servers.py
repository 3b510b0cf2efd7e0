"""Local HTTP servers that speak the real wire protocols, for tests at the network edge.

`FakeOllama`: NDJSON on POST /api/chat, the last line with `done` and the eval counts, and
GET /api/tags. `FakeGroq`: SSE on POST /openai/v1/chat/completions, the last chunk with
`x_groq.usage`, then `data: [DONE]`. `FakeOpenAI`: an OpenAI-compatible server as vLLM runs one:
SSE on POST /v1/chat/completions, usage in a last chunk with no choices when the request asks
for it (`stream_options.include_usage`), GET /v1/models, and a bearer key when given one. All answer from a script of `Reply`s, one per request,
and fail on request: slow first token, a stall mid-stream, a slow drip, a cut connection, an HTTP status
(429 with retry-after), a malformed line.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass
class Reply:
    text: str = "Tere!"
    chunks: int = 3  # the text is sent in this many pieces
    first_token_delay: float = 0.0
    stall_after: int | None = None  # stop sending (but keep the connection) after this piece
    stall_for: float = 0.0
    interval: float = 0.0  # a pause before every piece after the first (a slow drip)
    cut_after: int | None = None  # close the connection after this piece
    status: int = 200
    retry_after: str | None = None
    malformed: bool = False  # one line of the stream is not JSON
    prompt_tokens: int = 42
    completion_tokens: int = 17
    when: str | None = None  # answer only requests whose body contains this text


@dataclass
class _State:
    script: list[Reply] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, body: dict) -> Reply:
        """The first scripted reply meant for this request; the last one stays for good.
        Concurrent requests (a speculative answer beside the context) pick theirs by `when`."""
        text = json.dumps(body, ensure_ascii=False)
        with self.lock:
            self.requests.append(body)
            for i, reply in enumerate(self.script):
                if reply.when is None or reply.when in text:
                    return self.script.pop(i) if len(self.script) > 1 else reply
            return Reply()


def _pieces(text: str, n: int) -> list[str]:
    n = max(1, min(n, len(text) or 1))
    size = -(-len(text) // n) if text else 1
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        return json.loads(raw or b"{}")

    def _start_chunked(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _cut(self) -> None:
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.connection.close()

    def _send_json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _scripted(self) -> tuple[dict, Reply] | None:
        """The request and its scripted reply; None when the reply was an error, already sent."""
        body = self._body()
        reply = self.server.state.next_reply(body)
        if reply.status == 200:
            return body, reply
        headers = {"retry-after": reply.retry_after} if reply.retry_after is not None else None
        self._send_json(reply.status, {"error": {"message": f"scripted status {reply.status}"}},
                        headers)
        return None

    def _stream(self, reply: Reply, lines: list[bytes], content_type: str) -> None:
        self._start_chunked(content_type)
        time.sleep(reply.first_token_delay)
        for i, line in enumerate(lines):
            if reply.cut_after is not None and i == reply.cut_after:
                return self._cut()
            if reply.stall_after is not None and i == reply.stall_after:
                time.sleep(reply.stall_for)
            if i and reply.interval:
                time.sleep(reply.interval)
            self._chunk(line)
        self._end()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State
    models: list[str]
    api_key: str | None

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up on a scripted stall or cut is the point of the test


class _OllamaHandler(_Handler):
    def do_GET(self) -> None:
        if self.path != "/api/tags":
            self.send_error(404)
            return
        models = [{"name": m, "model": m, "size": 1, "digest": "x"} for m in self.server.models]
        self._send_json(200, {"models": models})

    def do_POST(self) -> None:
        if (scripted := self._scripted()) is None:
            return
        body, reply = scripted
        model = body.get("model", "?")
        lines = [json.dumps({"model": model, "created_at": "2026-01-01T00:00:00Z",
                             "message": {"role": "assistant", "content": piece},
                             "done": False}).encode() + b"\n"
                 for piece in _pieces(reply.text, reply.chunks)]
        if reply.malformed:
            lines.insert(1, b"{this is not json\n")
        lines.append(json.dumps({
            "model": model, "created_at": "2026-01-01T00:00:01Z",
            "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
            "total_duration": 1_000_000, "load_duration": 1000, "prompt_eval_count": reply.prompt_tokens,
            "prompt_eval_duration": 1000, "eval_count": reply.completion_tokens, "eval_duration": 1000,
        }).encode() + b"\n")
        self._stream(reply, lines, "application/x-ndjson")


class _GroqHandler(_Handler):
    def do_POST(self) -> None:
        if (scripted := self._scripted()) is None:
            return
        body, reply = scripted
        model = body.get("model", "?")

        def chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> bytes:
            data = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
            if usage:
                data["x_groq"] = {"id": "req_1", "usage": usage}
            return b"data: " + json.dumps(data).encode() + b"\n\n"

        lines = [chunk({"role": "assistant", "content": ""})]
        lines += [chunk({"content": piece}) for piece in _pieces(reply.text, reply.chunks)]
        if reply.malformed:
            lines.insert(2, b"data: {this is not json\n\n")
        lines.append(chunk({}, "stop", {"prompt_tokens": reply.prompt_tokens,
                                        "completion_tokens": reply.completion_tokens,
                                        "total_tokens": reply.prompt_tokens + reply.completion_tokens}))
        lines.append(b"data: [DONE]\n\n")
        self._stream(reply, lines, "text/event-stream")


class _OpenAIHandler(_Handler):
    """vLLM's OpenAI-compatible server, as its protocol goes on the wire."""

    def _authorized(self) -> bool:
        key = self.server.api_key
        if key and self.headers.get("Authorization") != f"Bearer {key}":
            self._send_json(401, {"error": {"message": "Incorrect API key provided.",
                                            "type": "invalid_request_error", "code": 401}})
            return False
        return True

    def do_GET(self) -> None:
        if self.path != "/v1/models":
            self.send_error(404)
            return
        if self._authorized():
            self._send_json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1, "owned_by": "vllm"}
                for m in self.server.models]})

    def do_POST(self) -> None:
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        if not self._authorized() or (scripted := self._scripted()) is None:
            return
        body, reply = scripted
        model = body.get("model", "?")
        if model not in self.server.models:
            self._send_json(404, {"error": {"message": f"The model `{model}` does not exist.",
                                            "type": "NotFoundError", "code": 404}})
            return

        def chunk(choices: list[dict], usage: dict | None = None) -> bytes:
            data = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                    "model": model, "choices": choices}
            if usage is not None:
                data["usage"] = usage
            return b"data: " + json.dumps(data).encode() + b"\n\n"

        def delta(content: str, finish: str | None = None) -> dict:
            return {"index": 0, "delta": {"content": content}, "logprobs": None,
                    "finish_reason": finish}

        lines = [chunk([{"index": 0, "delta": {"role": "assistant", "content": ""},
                         "logprobs": None, "finish_reason": None}])]
        lines += [chunk([delta(piece)]) for piece in _pieces(reply.text, reply.chunks)]
        if reply.malformed:
            lines.insert(2, b"data: {this is not json\n\n")
        lines.append(chunk([delta("", "stop")]))
        if (body.get("stream_options") or {}).get("include_usage"):
            lines.append(chunk([], {"prompt_tokens": reply.prompt_tokens,
                                    "completion_tokens": reply.completion_tokens,
                                    "total_tokens": reply.prompt_tokens + reply.completion_tokens}))
        lines.append(b"data: [DONE]\n\n")
        self._stream(reply, lines, "text/event-stream")


class LocalServer:
    """An HTTP server on a free localhost port, served from a thread while in a `with`."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeServer(LocalServer):
    """A running fake on a free localhost port; `script` what it answers, read `requests`."""

    def __init__(self, handler: type[_Handler], models: list[str] | None = None,
                 api_key: str | None = None) -> None:
        server = _Server(("127.0.0.1", 0), handler)
        server.state = _State()
        server.models = models or ["qwen2:1.5b"]
        server.api_key = api_key
        super().__init__(server)
        self._fake = server

    @property
    def requests(self) -> list[dict]:
        return self._fake.state.requests

    def script(self, *replies: Reply) -> FakeServer:
        self._fake.state.script = list(replies)
        self._fake.state.requests.clear()
        return self


def fake_ollama(models: list[str] | None = None) -> FakeServer:
    return FakeServer(_OllamaHandler, models)


def fake_groq() -> FakeServer:
    return FakeServer(_GroqHandler)


def fake_openai(models: list[str] | None = None, api_key: str | None = None) -> FakeServer:
    """A vLLM-like server; its base URL for clients is `server.url + "/v1"`."""
    return FakeServer(_OpenAIHandler, models or ["meta-llama/Llama-3.1-8B-Instruct"], api_key)


def refused_url() -> str:
    """A localhost address where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
