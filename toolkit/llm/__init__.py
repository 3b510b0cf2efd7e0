"""Model backends behind one protocol (`ModelBackend.stream`), and the client that calls them.

    ModelBackend   base.py       ollama.py  groq.py  offline.py  simulated.py
    ModelClient    client.py     timeouts, retries, structured output, records, cache.py
    select_backend backends.py   a backend by name, `auto` with its reason
"""

from toolkit.llm.backends import BACKENDS, Selection, select_backend
from toolkit.llm.base import CallLog, CallRecord, Message, ModelBackend, ModelRequest
from toolkit.llm.client import ModelClient, parse_json_model
from toolkit.llm.offline import OfflineBackend
from toolkit.llm.simulated import PROFILES, LatencyProfile, SimulatedBackend

__all__ = [
    "BACKENDS", "PROFILES", "CallLog", "CallRecord", "LatencyProfile", "Message", "ModelBackend",
    "ModelClient", "ModelRequest", "OfflineBackend", "Selection", "SimulatedBackend",
    "parse_json_model", "select_backend",
]
