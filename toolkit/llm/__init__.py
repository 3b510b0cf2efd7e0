"""Model backends behind one protocol (`ModelBackend.stream`), and the client that calls them.

    ModelBackend   base.py       ollama.py  groq.py  offline.py  simulated.py  capacity.py
    ModelClient    client.py     timeouts, retries, structured output, records, cache.py
    select_backend backends.py   a backend by name, `auto` with its reason

Names are imported on first use: the offline path never loads a client it does not call.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "BACKENDS": "toolkit.llm.backends", "Selection": "toolkit.llm.backends",
    "select_backend": "toolkit.llm.backends", "selection_for": "toolkit.llm.backends",
    "CallLog": "toolkit.llm.base", "CallRecord": "toolkit.llm.base", "Message": "toolkit.llm.base",
    "ModelBackend": "toolkit.llm.base", "ModelRequest": "toolkit.llm.base",
    "ModelClient": "toolkit.llm.client", "parse_json_model": "toolkit.llm.client",
    "OfflineBackend": "toolkit.llm.offline",
    "PROFILES": "toolkit.llm.simulated", "LatencyProfile": "toolkit.llm.simulated",
    "SimulatedBackend": "toolkit.llm.simulated", "ServerCapacity": "toolkit.llm.capacity",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit.llm' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from toolkit.llm.backends import (
        BACKENDS as BACKENDS,
    )
    from toolkit.llm.backends import (
        Selection as Selection,
    )
    from toolkit.llm.backends import (
        select_backend as select_backend,
    )
    from toolkit.llm.backends import (
        selection_for as selection_for,
    )
    from toolkit.llm.base import (
        CallLog as CallLog,
    )
    from toolkit.llm.base import (
        CallRecord as CallRecord,
    )
    from toolkit.llm.base import (
        Message as Message,
    )
    from toolkit.llm.base import (
        ModelBackend as ModelBackend,
    )
    from toolkit.llm.base import (
        ModelRequest as ModelRequest,
    )
    from toolkit.llm.capacity import (
        ServerCapacity as ServerCapacity,
    )
    from toolkit.llm.client import (
        ModelClient as ModelClient,
    )
    from toolkit.llm.client import (
        parse_json_model as parse_json_model,
    )
    from toolkit.llm.offline import (
        OfflineBackend as OfflineBackend,
    )
    from toolkit.llm.simulated import (
        PROFILES as PROFILES,
    )
    from toolkit.llm.simulated import (
        LatencyProfile as LatencyProfile,
    )
    from toolkit.llm.simulated import (
        SimulatedBackend as SimulatedBackend,
    )
