"""Simulated latency: any backend's answers, delivered at a named model's pace.

A profile gives the time to first token, tokens per second, jitter and a failure rate; a time
scale shrinks it all so tests and benchmarks run fast (0.01 = a hundred times faster). Records
of its calls say `simulated`, and so must every view that shows them.

The profiles follow the figures of the reference documents:

| profile | stands for | per call |
|---|---|---|
| groq-llama3-8b | an 8B model on Groq | about 0.9 s for a context extraction |
| ollama-7b | a 7B model on Ollama | about 15-30 s for a syllabus module |
| ollama-qwen2-1.5b | qwen2:1.5b on Ollama | 3-5 s |
| ollama-llama3.2-1b | llama3.2:1b on Ollama | 2-4 s |
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

from toolkit.core.errors import ModelHTTPError
from toolkit.llm.base import ModelBackend, ModelRequest, StreamPart, TextPart, estimate_tokens


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


class SimulatedBackend:
    """Wraps `inner`; its answers arrive as `profile` would deliver them, times `time_scale`."""

    simulated = True

    def __init__(self, inner: ModelBackend, profile: LatencyProfile | str, *,
                 time_scale: float = 1.0, seed: int | None = None) -> None:
        self.inner = inner
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.time_scale = time_scale
        self.name = "simulated"
        self.model = f"{self.profile.name} ({inner.name})"
        self._rng = random.Random(seed)

    def __repr__(self) -> str:
        return f"SimulatedBackend(profile={self.profile.name!r}, time_scale={self.time_scale}, inner={self.inner!r})"

    def _delay(self, seconds: float) -> float:
        spread = self.profile.jitter * (2 * self._rng.random() - 1)
        return max(0.0, seconds * (1 + spread) * self.time_scale)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamPart]:
        parts = [part async for part in self.inner.stream(request)]
        await asyncio.sleep(self._delay(self.profile.ttft_s))
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
                    await asyncio.sleep(self._delay(stretch * estimate_tokens(piece.text)
                                                    / self.profile.tokens_per_s))
                first = False
            yield piece
