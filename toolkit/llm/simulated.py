"""Simulated latency: any backend's answers, delivered at a named model's pace.

A profile gives the time to first token, tokens per second, jitter and a failure rate; a time
scale shrinks it all so tests and benchmarks run fast (0.01 = a hundred times faster). Records
of its calls say `simulated`, and so must every view that shows them.

Wrapping the offline rules, it agrees with them always, which flatters whatever relies on that
agreement. A `disagreement` rate (SIMULATED_DISAGREEMENT) makes that share of the calls for a
task with a registered misreading answer differently (the assistant registers one for the
context extraction: `toolkit.assistant.disagreement`), chosen by the seed and the message.

The profiles follow the figures of the reference documents:

| profile | stands for | per call |
|---|---|---|
| groq-llama3-8b | an 8B model on Groq | about 0.9 s for a context extraction |
| ollama-7b | a 7B model on Ollama | about 15-30 s for a syllabus module |
| ollama-qwen2-1.5b | qwen2:1.5b on Ollama | 3-5 s |
| ollama-llama3.2-1b | llama3.2:1b on Ollama | 2-4 s |
"""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass

from toolkit.core.errors import ModelHTTPError
from toolkit.llm.base import ModelBackend, ModelRequest, StreamPart, TextPart, estimate_tokens
from toolkit.llm.capacity import ServerCapacity, Service


@dataclass(frozen=True)
class LatencyProfile:
    name: str
    ttft_s: float  # time to first token
    tokens_per_s: float
    jitter: float = 0.1  # +- this share of each delay
    failure_rate: float = 0.0  # share of calls that fail with a 503 before the first token
    min_tokens: int = 0  # an answer is padded to at least this many tokens of time


PROFILES: dict[str, LatencyProfile] = {
    p.name: p for p in (
        # 0.35 s to the first token, then ~100 tokens of context JSON at 180 tok/s: ~0.9 s.
        LatencyProfile("groq-llama3-8b", ttft_s=0.35, tokens_per_s=180.0, jitter=0.1,
                       min_tokens=100),
        # ~2 s to start, ~350 tokens at 22 tok/s: ~18 s a syllabus call (the reference's 15-30 s).
        # A local model answering similar prompts is steady: +-5 %.
        LatencyProfile("ollama-7b", ttft_s=2.0, tokens_per_s=22.0, jitter=0.05, min_tokens=350),
        LatencyProfile("ollama-qwen2-1.5b", ttft_s=0.5, tokens_per_s=90.0, jitter=0.15,
                       min_tokens=320),
        LatencyProfile("ollama-llama3.2-1b", ttft_s=0.4, tokens_per_s=120.0, jitter=0.15,
                       min_tokens=300),
    )
}


# Turns the inner backend's answer (text) into another reading of the same request, drawing
# any choice from the given generator (seeded per request: reproducible).
Misreading = Callable[[str, random.Random], str]


class SimulatedBackend:
    """Wraps `inner`; its answers arrive as `profile` would deliver them, times `time_scale`,
    from a server of finite `capacity` when one is given (see `toolkit.llm.capacity`; by
    default unlimited: any number of calls at once, each at full speed)."""

    simulated = True

    def __init__(self, inner: ModelBackend, profile: LatencyProfile | str, *,
                 time_scale: float = 1.0, seed: int | None = None,
                 capacity: ServerCapacity | None = None, disagreement: float = 0.0) -> None:
        self.inner = inner
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.time_scale = time_scale
        self.name = "simulated"
        self.model = f"{self.profile.name} ({inner.name})"
        self._rng = random.Random(seed)
        self.capacity = capacity or ServerCapacity()
        # The share of calls whose answer a registered misreading changes (see `misread`).
        if not 0.0 <= disagreement <= 1.0:
            raise ValueError(f"disagreement is a share of calls, 0 to 1, not {disagreement!r}")
        self.disagreement = disagreement
        self._disagreement_seed = 0 if seed is None else seed
        self._misreadings: dict[str, Misreading] = {}
        self.misread_calls = 0  # answers changed so far

    def __repr__(self) -> str:
        return f"SimulatedBackend(profile={self.profile.name!r}, time_scale={self.time_scale}, inner={self.inner!r})"

    # -- disagreement: a model that does not always read a message as the rules do ----------

    def misread(self, task: str, misreading: Misreading) -> None:
        """On `disagreement` of the calls for `task`, the inner backend's answer is handed to
        `misreading`, and what it returns is the answer. The assistant registers one for the
        context extraction (`toolkit.assistant.disagreement`)."""
        self._misreadings[task] = misreading

    def disagrees(self, request: ModelRequest) -> bool:
        """Whether this call's answer is misread: decided by the seed and the request's last
        user message alone, so a run is reproducible and a message is misread in every mode."""
        if self.disagreement <= 0 or request.task not in self._misreadings:
            return False
        return self._draw(request).random() < self.disagreement

    def _draw(self, request: ModelRequest) -> random.Random:
        said = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        return random.Random(f"{self._disagreement_seed}|{request.task}|{said}")

    def _maybe_misread(self, request: ModelRequest, parts: list[StreamPart]) -> list[StreamPart]:
        if not self.disagrees(request):
            return parts
        rng = self._draw(request)
        rng.random()  # the draw that decided it
        answer = "".join(p.text for p in parts if isinstance(p, TextPart))
        self.misread_calls += 1
        return [TextPart(self._misreadings[request.task](answer, rng))] + [
            p for p in parts if not isinstance(p, TextPart)]

    def _delay(self, seconds: float) -> float:
        spread = self.profile.jitter * (2 * self._rng.random() - 1)
        return max(0.0, seconds * (1 + spread) * self.time_scale)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamPart]:
        # The whole call holds one of the server's slots and runs at its share of the throughput.
        async with (self.capacity.serve(self.profile.tokens_per_s) as service,
                    aclosing(self._paced(request, service)) as paced):
            async for part in paced:
                yield part

    async def _paced(self, request: ModelRequest,
                     service: Service) -> AsyncGenerator[StreamPart, None]:
        parts = self._maybe_misread(request, [part async for part in self.inner.stream(request)])
        await service.work(self._delay(self.profile.ttft_s))
        if self._rng.random() < self.profile.failure_rate:
            raise ModelHTTPError("simulated failure (503)", 503)
        # Paced by tokens, not by the inner backend's chunking: ~4 tokens a delta.
        pieces: list[StreamPart] = []
        for part in parts:
            if isinstance(part, TextPart):
                pieces += [TextPart(part.text[i:i + 16]) for i in range(0, len(part.text), 16)]
            else:
                pieces.append(part)
        tokens = sum(estimate_tokens(p.text) for p in pieces if isinstance(p, TextPart))
        stretch = max(1.0, self.profile.min_tokens / max(tokens, 1))
        first = True
        for piece in pieces:
            if isinstance(piece, TextPart):
                if not first:  # the first arrives with the time to first token
                    await service.work(self._delay(stretch * estimate_tokens(piece.text)
                                                   / self.profile.tokens_per_s))
                first = False
            yield piece
