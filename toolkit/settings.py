"""Where things live and how they are tuned, read from the environment.

`TOOLKIT_DB` names the DuckDB file that holds the catalog (and, later, conversation memory).
Without it the file is `$XDG_DATA_HOME/toolkit/toolkit.duckdb` (by default
`~/.local/share/toolkit/toolkit.duckdb`); every command also takes `--db PATH`.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG_FILE = PROJECT_ROOT / "data" / "catalog.parquet"


def default_db_path() -> Path:
    """The catalog database used when no `--db` is given."""
    if explicit := os.environ.get("TOOLKIT_DB"):
        return Path(explicit).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "toolkit" / "toolkit.duckdb"
