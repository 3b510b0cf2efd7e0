"""What every event stream shares: small frozen models, and the error event.

The assistant's protocol is `toolkit.assistant.events`, the syllabus's `toolkit.syllabus.events`;
each is a discriminated union on `type` built on these.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class FrozenEvent(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorEvent(FrozenEvent):
    """A failure the user must know about; the stream still ends with its `done`."""

    type: Literal["error"] = "error"
    message: str
    # What kind of failure, for a program to act on: "busy" (refused, try again), "timeout",
    # "failed"; None where it does not matter.
    code: str | None = None
