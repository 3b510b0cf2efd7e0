"""The shop assistant: one module per step, a turn handle, and the orchestrators that run them.

    validation -> context -> routing -> search -> answer      (memory before and after)
"""

from toolkit.assistant.assistant import Assistant, Turn, TurnResult

__all__ = ["Assistant", "Turn", "TurnResult"]
