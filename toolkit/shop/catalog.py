"""The product catalog: a DuckDB file with a products table and its full-text index.

`Catalog.open(path)` opens (or creates) the file. A new file is filled with the default catalog
from `data/catalog.parquet`; `Catalog.import_file` replaces it with a user's CSV or Parquet file.

Many processes share one catalog: each opens the file read-only, and an import builds a new file
beside it and moves it into place in one step (`os.replace`). A process that has the old file
open notices on its next query and reopens the new one; nobody ever holds a writer's lock on the
catalog, and a refused or interrupted import leaves it exactly as it was. What changes with every
turn (conversation memory, the call cache) lives apart, in a state store (`toolkit.state`).

The index: DuckDB's FTS extension indexes `product_terms`, the products' text already analysed
by `toolkit.shop.text` (DuckDB has no Estonian stemmer). From its tables we derive
`search_postings`, one row per (term, product) with the BM25 term-frequency part precomputed and
sorted by term, so a search reads only the rows of its own terms (see `toolkit.shop.search`),
and `search_vocabulary`, the index's terms as one trie a process loads at once
(`toolkit.shop.vocabulary`).
"""

from __future__ import annotations

import codecs
import csv
import functools
import glob
import hashlib
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import duckdb_extensions

if TYPE_CHECKING:
    import pyarrow as pa

from toolkit.core.db import Migration, apply_migrations
from toolkit.core.errors import CatalogError, CatalogImportError
from toolkit.core.settings import DEFAULT_CATALOG_FILE, default_db_path
from toolkit.shop import morphology, vocabulary
from toolkit.shop import text as analysis
from toolkit.shop.vocabulary import Vocabulary

log = logging.getLogger(__name__)

Row = dict[str, Any]  # a product row as the catalog stores it

REQUIRED_COLUMNS = ("id", "title", "price")
OPTIONAL_COLUMNS = ("author", "description", "product_type", "category", "language", "age_min",
                    "age_max", "in_popular_list", "image_url")
PRODUCT_COLUMNS = REQUIRED_COLUMNS[:2] + ("author", "description", "product_type", "category",
                                          "language", "age_min", "age_max", "price",
                                          "in_popular_list", "image_url")
# BM25 parameters and the weight of each indexed field (title, author, category, description).
BM25_K1 = 1.2
BM25_B = 0.75
FIELD_WEIGHTS = (1.0, 1.0, 1.0, 1.0)
TRUE_WORDS = frozenset({"true", "t", "1", "yes", "y", "jah", "j", "x"})
FALSE_WORDS = frozenset({"false", "f", "0", "no", "n", "ei", ""})
ROW_CACHE_SIZE = 20_000  # product rows kept in memory for search results
# Reading 120 rows into a fresh process: a scan took 2.7 ms against 4.5 through the rid index
# at 3,200 products, 22 against 13 at 100k; below this many products rows are scanned for.
SCAN_ROWS_BELOW = 20_000
FILL_CHUNK = 500  # rows converted at a time when a small catalog is read whole in the background
MAX_PROBLEMS = 5  # offending rows named per problem, so a bad 1M-row file gives a readable error
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
# The delimiter of a CSV file is the one of these that splits its header into the most fields
# (a comma when none does): European Excel writes semicolons, "Unicode text" tabs.
DELIMITERS = ",;\t|"
# A CSV file that is not UTF-8 was written with a one-byte code page, Baltic (cp1257) or
# Western (cp1252). The two agree on õ ä ö ü; only these letters tell them apart.
ESTONIAN_LETTERS = "õäöüšžÕÄÖÜŠŽ"
READ_CHUNK = 1 << 20  # bytes read at a time, so a large file is never held in memory whole
# Control characters are not text: a NUL from a broken export would be stored and break search
# and display. Tab and newline (a multi-line description) are text and stay.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
# A price as shops write it: a euro sign or word before or after; digits grouped in thousands
# by a space (also a no-break or thin one), a dot or a comma; decimals after a dot or a comma.
# The grouped form comes first, so that "1.299" is seen as possibly grouped (see `_read_price`).
_EURO = r"(?:€|eur|euro|eurot)"
_PRICE = re.compile(
    rf"{_EURO}?\s*(?P<number>-?(?:[1-9]\d{{0,2}}(?P<group>[ \u00a0\u202f\u2009.,])\d{{3}}"
    rf"(?:(?P=group)\d{{3}})*|\d+)(?:(?P<decimal>[.,])\d+)?)\s*{_EURO}?",
    re.IGNORECASE)

def m001_catalog(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")


CATALOG_MIGRATIONS: tuple[Migration, ...] = (m001_catalog,)


def connect(path: Path | str, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection. The FTS extension is not loaded: searching reads the index's
    tables, which needs no extension; building the index does (`load_fts`)."""
    try:
        return duckdb.connect(str(path), read_only=read_only and str(path) != ":memory:")
    except duckdb.Error as e:
        raise CatalogError(f"cannot open the catalog database {path}: {_open_problem(e)}") from e


def _open_problem(e: duckdb.Error) -> str:
    """What a failed open (or first read) means for the user, with the one hint that fits.
    The lock hint is for a lock another program holds, nothing else: DuckDB's corruption
    messages say "block", and a permission error is not cured by closing a program."""
    text = str(e).split("\n")[0]
    lower = text.lower()
    if "permission denied" in lower:
        return f"{text}. Check its permissions, or pass another file with --db"
    if "conflicting lock" in lower or "could not set lock" in lower:
        return (f"{text}. Another program has it open for writing (a toolkit before 0.2, or a "
                "DuckDB shell): close that, or pass another file with --db")
    if any(w in lower for w in ("not a valid", "corrupt", "checksum", "magic", "truncated",
                                "serializ", "could not read")):
        return (f"{text}. It is not a catalog this toolkit can read (damaged or another "
                "kind of file): move it away, or pass another file with --db")
    return text


def _needs_creating(path: Path) -> bool:
    """Whether a new catalog is to be made at `path`: nothing there yet, or an empty file.
    Anything there that is not a regular file is refused, never replaced (`--db /dev/null`
    must not replace the device with a catalog)."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return True  # making its folder says what is wrong with the path, if anything
    except OSError as e:
        raise CatalogError(f"cannot open the catalog database {path}: "
                           f"{(e.strerror or str(e)).lower()}") from e
    if stat.S_ISDIR(st.st_mode):
        raise CatalogError(f"cannot open the catalog database {path}: it is a folder; pass a "
                           "file (new or existing) with --db")
    if not stat.S_ISREG(st.st_mode):
        raise CatalogError(f"cannot open the catalog database {path}: it is not a regular file "
                           "(a device, a pipe or a socket); pass a file with --db")
    return st.st_size == 0


def _foreign_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of a DuckDB file that is not a catalog (it has tables, but neither the
    catalog's `catalog_meta` nor a `products` table); empty for a catalog or an empty file."""
    names = {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    return [] if not names or names & {"catalog_meta", "products"} else sorted(names)


def _folder_problem(folder: Path, error: OSError) -> str:
    """Why `folder` cannot be made, naming the part of the path at fault."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        return f"{existing} is a file, not a folder"
    return (error.strerror or str(error)).lower()


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which file is at `path` now: an import puts a new one there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


# The one thread that reads small catalogs whole (`Catalog.hold_rows_in_background`), started
# on first use: handing it work costs a search microseconds, where starting a thread made the
# search wait for the new thread's first steps.
_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-rows")


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's FTS extension, from its wheel (DuckDB cannot download it here): about 25 ms,
    paid only by an import (and by whoever calls its `match_bm25` macro)."""
    try:
        con.execute("LOAD fts")
    except duckdb.Error:
        duckdb_extensions.import_extension("fts", con=con)
        con.execute("LOAD fts")


@dataclass(frozen=True)
class ImportReport:
    path: str
    rows: int
    ignored_columns: list[str]
    seconds: float
    # How a CSV file was read (None for Parquet): the encoding assumed ("utf-8", "utf-8-sig"
    # with a byte-order mark, "utf-16"; for a file that is not UTF-8, "cp1257" (Baltic),
    # "cp1252" (Western) or "latin-1") and the delimiter its header has.
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class _Staged:
    """What reading a file into `staging` found out besides its rows."""

    ignored_columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None


class Catalog:
    """An open catalog database. Safe to share across threads: each use takes its own cursor."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | str) -> None:
        self._con = con
        self.path = str(path)
        self._in_memory = self.path == ":memory:"
        self._identity = None if self._in_memory else _identity(Path(self.path))
        self._lock = threading.Lock()
        # Cursors in use, so that a reopen waits for them (see `_reopen`); per-thread nesting.
        self._gate = threading.Condition()
        self._users = 0
        self._reopening = False
        self._depth = threading.local()
        self._vocabulary: Vocabulary | None = None
        # Product rows by rid, most recently used last: a search ranks rids in SQL and reads
        # the rows from here, which saves converting every candidate's columns to Python.
        self._rows: OrderedDict[int, Row] = OrderedDict()
        # Bumped whenever the cached rows are forgotten or a background read of the whole
        # catalog (`_fill_rows`) is stopped, so that no read puts back rows of what was
        # forgotten.
        self._rows_epoch = 0
        self._filler: Future[None] | None = None
        self._filler_cursor: duckdb.DuckDBPyConnection | None = None
        # Bumped each time other products are put in place (an import here or in another
        # process): rids read before may name other products after.
        self.generation = 0

    @classmethod
    def open(cls, path: Path | str | None = None, *, seed_default: bool = True) -> Catalog:
        """Open or create the catalog at `path` (default: `settings.default_db_path()`).

        A file with no products is filled from the default catalog when `seed_default` is set.
        """
        path = Path(path) if path is not None else default_db_path()
        if str(path) == ":memory:":
            catalog = cls(connect(path, read_only=False), path)
            apply_migrations(catalog._con, CATALOG_MIGRATIONS)
        else:
            if _needs_creating(path):
                _build_file(path, lambda con: None)
            catalog = cls(connect(path), path)
        try:
            # DuckDB imports its optional pandas support on the first bound query; pay that
            # here, at open, rather than in the first search a user times.
            catalog._con.execute("SELECT ?", [0]).fetchall()
            foreign = _foreign_tables(catalog._con)
            empty = not foreign and not catalog.has_products()
        except duckdb.Error as e:  # a file damaged past its header shows it on first read
            catalog.close()
            raise CatalogError(f"cannot read the catalog database {path}: {_open_problem(e)}") from e
        if foreign:  # someone's own DuckDB database: seeding or importing would replace it
            catalog.close()
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise CatalogError(f"{path} is a DuckDB database but not a catalog (its tables: "
                               f"{shown}); it was left as it is: pass another file with --db")
        if seed_default and empty:
            if not DEFAULT_CATALOG_FILE.exists():
                catalog.close()
                raise CatalogError(
                    f"the default catalog {DEFAULT_CATALOG_FILE} is missing: run "
                    "`python data/generate_catalog.py`, or import your own with "
                    "`python -m toolkit catalog import FILE`."
                )
            catalog.import_file(DEFAULT_CATALOG_FILE, source="default catalog")
        elif not empty and catalog.stored_index_version() != index_version():
            catalog.reindex()
        return catalog

    def stored_index_version(self) -> str | None:
        """The `index_version()` the catalog was indexed under (None: before it was recorded)."""
        with self.cursor() as cur:
            found = cur.execute(
                "SELECT value FROM catalog_meta WHERE key = 'index_version'").fetchall()
        return found[0][0] if found else None

    def reindex(self) -> None:
        """Index the catalog's own products again, under today's analysis: a catalog made by an
        older version has other keys (Snowball stems where lemmas are now), which queries
        would not meet. Done as an import of its rows, so other processes switch over as they
        do after any import; if the file cannot be replaced, the old index is used, with a
        warning."""
        with tempfile.TemporaryDirectory(prefix="toolkit-reindex-") as folder:
            snapshot = Path(folder) / "products.parquet"
            with self.cursor() as cur:
                found = cur.execute(
                    "SELECT value FROM catalog_meta WHERE key = 'source'").fetchall()
                cur.execute(f"COPY (SELECT {', '.join(PRODUCT_COLUMNS)} FROM products "
                            f"ORDER BY rid) TO {_sql_text(str(snapshot))} (FORMAT parquet)")
            try:  # outside the cursor: an import waits for the cursors in use
                self.import_file(snapshot, source=found[0][0] if found else self.path)
            except CatalogError as e:
                log.warning("the catalog %s was indexed by another version and could not be "
                            "indexed again (%s): searching it may miss matches", self.path, e)

    def close(self) -> None:
        self._stop_filling()
        self._con.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one unit of work (DuckDB connections are not thread-safe),
        on the file at the catalog's path now (a stat per call: under 2 us)."""
        outermost = not getattr(self._depth, "value", 0)
        if outermost:
            self.refresh()
        with self._gate:
            while self._reopening and outermost:
                self._gate.wait()
            self._users += 1
            cur = self._con.cursor()
        self._depth.value = getattr(self._depth, "value", 0) + 1
        try:
            yield cur
        finally:
            cur.close()
            self._depth.value -= 1
            with self._gate:
                self._users -= 1
                self._gate.notify_all()

    def refresh(self) -> int:
        """Move to a newer file at the path if an import put one there; the generation."""
        if self._identity is not None and _identity(Path(self.path)) not in (None, self._identity):
            self._reopen()
        return self.generation

    def _reopen(self) -> None:
        """Move to the file an import put at the path, forgetting what was read of the old one.

        DuckDB shares one database per path within a process, so the old connection must be
        closed before the new file can be opened: this waits for the cursors in use (each a
        few ms) and holds new ones back meanwhile."""
        with self._gate:
            if self._reopening or _identity(Path(self.path)) == self._identity:
                return
            self._reopening = True
            try:
                while self._users:
                    self._gate.wait()
                self._con.close()
                self._con = connect(self.path)
                with self._lock:
                    self._identity = _identity(Path(self.path))
                    self._vocabulary = None
                    self._forget_rows()
                    self.generation += 1
            finally:
                self._reopening = False
                self._gate.notify_all()

    def has_products(self) -> bool:
        with self.cursor() as cur:
            exists = cur.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'products' "
                "AND schema_name = 'main'"
            ).fetchall()[0][0]
            return bool(exists) and cur.execute("SELECT count(*) FROM products").fetchall()[0][0] > 0

    # -- reading ---------------------------------------------------------------------------

    def vocabulary(self) -> Vocabulary:
        """The index terms and the catalog's mix, loaded once per import (`toolkit.shop.vocabulary`)."""
        if self._vocabulary is None:
            with self.cursor() as cur:
                self._vocabulary = vocabulary.load(cur)
        return self._vocabulary

    def clear_cache(self) -> None:
        """Forget cached product rows (benchmarks use it to measure a cold read)."""
        self._stop_filling()
        with self._lock:
            self._forget_rows()

    def _forget_rows(self) -> None:
        """Empty the row cache (the caller holds `_lock`); a fill under way stops adding."""
        self._rows.clear()
        self._rows_epoch += 1
        self._filler = self._filler_cursor = None

    def products_by_rid(self, rids: list[int],
                        columns: Sequence[str] = PRODUCT_COLUMNS) -> list[Row]:
        """Product rows by internal rid, in the order asked (a rid the catalog does not have is
        skipped), holding at least `columns`: see `rows_by_rid`."""
        found = self.rows_by_rid(rids, columns)
        return [found[rid] for rid in rids if rid in found]

    def rows_by_rid(self, rids: list[int],
                    columns: Sequence[str] = PRODUCT_COLUMNS) -> dict[int, Row]:
        """Product rows by internal rid, holding at least `columns` (some may hold more),
        through a bounded cache that reads only the rows it misses. The rows are the cache's
        own: read them, do not change them.

        A catalog of fewer than `SCAN_ROWS_BELOW` products is scanned for them, whole rows at once.
        A larger one reads through the rid index, and only the columns asked for: the long
        text columns are most of what reading scattered rows costs (a first read of 100 rows
        at 100k products took 11.8 ms whole, 3.7 ms for four short columns), so a search reads
        its ranking columns for every contender and whole rows for the ten it shows. (A small
        catalog is read whole too, but after a search: `hold_rows_in_background`.)"""
        if isinstance(columns, str) or not columns:
            raise ValueError(f"columns must be a non-empty sequence of names, not {columns!r}")
        wanted = set(columns)
        if not wanted <= set(PRODUCT_COLUMNS):
            raise ValueError(f"not product columns: {sorted(wanted - set(PRODUCT_COLUMNS))}")
        with self._lock:
            epoch = self._rows_epoch
            # The rows found are held here, not only in the cache: reading the misses into a
            # full cache evicts its oldest rows, which may be some of these.
            found = {rid: row for rid in rids
                     if (row := self._rows.get(rid)) is not None and row.keys() >= wanted}
            missing = [rid for rid in dict.fromkeys(rids) if rid not in found]
        if missing:
            if self.vocabulary().num_docs < SCAN_ROWS_BELOW:
                # A small catalog is scanned: loading the rid index costs a first read more,
                # and one scan for whole rows costs less than a narrow one and a second read.
                columns = PRODUCT_COLUMNS
                where, params = "list_contains(?, rid)", list[object]([missing])
            else:
                # One placeholder per rid: DuckDB answers an IN list of parameters from the ART
                # index on rid (a few ms at a million rows); a list parameter would scan.
                where, params = f"rid IN ({', '.join('?' * len(missing))})", list[object](missing)
            names = tuple(c for c in PRODUCT_COLUMNS if c in columns)  # known names only
            with self.cursor() as cur:
                rows = cur.execute(f"SELECT rid, {', '.join(names)} FROM products WHERE {where}",
                                   params).fetchall()
            with self._lock:
                if self._rows_epoch == epoch:
                    found.update(self._keep(names, rows))
                else:  # another file was put in place meanwhile: these rows are not its
                    found.update((rid, dict(zip(names, values, strict=True)))
                                 for rid, *values in rows)
        with self._lock:
            for rid in found:
                if rid in self._rows:
                    self._rows.move_to_end(rid)
        return found

    def _keep(self, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> dict[int, Row]:
        """Put rows read as (rid, *names) into the cache (the caller holds `_lock`), completing
        any held with fewer columns; evicts the least recently used beyond `ROW_CACHE_SIZE`."""
        kept = {}
        for rid, *values in rows:
            row = dict(zip(names, values, strict=True))
            if (held := self._rows.get(rid)) is not None:
                row = {**held, **row}
            kept[rid] = self._rows[rid] = row
        while len(self._rows) > ROW_CACHE_SIZE:
            self._rows.popitem(last=False)
        return kept

    def hold_rows_in_background(self) -> None:
        """Read a catalog that fits in the row cache whole, once, on a thread: from then on
        a search reads no row. A search asks for it when it is done, so that neither a
        one-shot search waits for it (20 ms at 3,200 rows, 27 at 5,000, in a fresh process,
        against ~2.5 ms for a first search's candidates) nor does the search that started it:
        begun inside it, the read slowed that search by ~1 ms. Closing the catalog interrupts
        the read (a script that ends without closing it waits for the read to finish, as
        Python waits for its worker threads). Nothing happens for a larger catalog."""
        if self._filler is not None or self.vocabulary().num_docs > ROW_CACHE_SIZE:
            return
        with self._lock:
            if self._filler is not None:
                return
            try:
                self._filler = _BACKGROUND.submit(self._fill_rows, self._rows_epoch)
            except RuntimeError as e:  # the interpreter is exiting: rows are read on demand
                log.debug("not reading the catalog's rows in the background: %s", e)

    def _fill_rows(self, epoch: int) -> None:
        """Every row into the cache, a chunk at a time (each holds the GIL ~1 ms), stopping as
        soon as the cache is forgotten or the catalog closes."""
        try:
            with self.cursor() as cur:
                with self._lock:
                    if self._rows_epoch != epoch:
                        return
                    self._filler_cursor = cur  # for `_stop_filling` to interrupt
                cur.execute(f"SELECT rid, {', '.join(PRODUCT_COLUMNS)} FROM products")
                while chunk := cur.fetchmany(FILL_CHUNK):
                    with self._lock:
                        if self._rows_epoch != epoch or self._reopening:
                            return
                        self._keep(PRODUCT_COLUMNS, chunk)
        except duckdb.Error as e:  # interrupted, closed or replaced: rows are read on demand
            log.debug("reading the catalog's rows in the background stopped: %s", e)
        finally:
            with self._lock:
                if self._rows_epoch == epoch:
                    self._filler_cursor = None

    def _stop_filling(self) -> None:
        """Stop a background read of the rows and wait for it (a closing catalog must not
        leave a thread reading it)."""
        with self._lock:
            filler, cursor = self._filler, self._filler_cursor
            self._filler = self._filler_cursor = None
            self._rows_epoch += 1
        if cursor is not None:
            with suppress(duckdb.Error):  # it may have finished meanwhile
                cursor.interrupt()
        if filler is not None and not filler.cancel():  # a read not yet begun never will
            wait([filler])

    def products_by_id(self, ids: list[str]) -> list[Row]:
        """Products by their ids, in the order asked; unknown ids are skipped."""
        if not ids:
            return []
        cols = ", ".join(PRODUCT_COLUMNS)
        with self.cursor() as cur:
            rows = cur.execute(
                f"SELECT {cols} FROM products WHERE list_contains(?, id)", [list(ids)]
            ).fetchall()
        by_id = {row[0]: dict(zip(PRODUCT_COLUMNS, row, strict=True)) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def info(self) -> dict[str, Any]:
        """What is in the catalog: counts, taxonomy, prices, where it came from."""
        with self.cursor() as cur:
            meta = dict(cur.execute("SELECT key, value FROM catalog_meta").fetchall())
            if not self.has_products():
                return {"path": self.path, "products": 0, **meta}
            count, popular, low, high, authors = cur.execute(
                "SELECT count(*), count(*) FILTER (in_popular_list), min(price), max(price), "
                "count(DISTINCT author) FROM products"
            ).fetchall()[0]
            types = cur.execute(
                "SELECT coalesce(product_type, '(none)'), count(*) FROM products "
                "GROUP BY ALL ORDER BY 2 DESC, 1"
            ).fetchall()
            categories = cur.execute(
                "SELECT coalesce(category, '(none)'), count(*) FROM products "
                "GROUP BY ALL ORDER BY 2 DESC, 1"
            ).fetchall()
            languages = cur.execute(
                "SELECT coalesce(language, '(none)'), count(*) FROM products GROUP BY ALL ORDER BY 2 DESC"
            ).fetchall()
            terms = cur.execute("SELECT count(*) FROM fts_main_product_terms.dict").fetchall()[0][0]
        return {
            "path": self.path, "products": count, "popular": popular,
            "price_min": float(low), "price_max": float(high), "authors": authors,
            "product_types": dict(types), "categories": dict(categories),
            "languages": dict(languages), "index_terms": terms, **meta,
        }

    # -- importing -------------------------------------------------------------------------

    def import_file(self, path: Path | str, *, source: str | None = None) -> ImportReport:
        """Replace the catalog with a CSV or Parquet file, atomically; refuse a bad file.

        A CSV file may be UTF-8 (with or without a byte-order mark), UTF-16, or a Baltic or
        Western code page (the report says which was assumed), and separated by commas,
        semicolons, tabs or bars; prices may be written as shops write them ("1 299,00 €").
        A refusal names each problem by row, as the file counts them (in a CSV the header is
        row 1), and column.

        The new catalog is built in a file of its own beside this one and moved into place:
        other processes go on reading the old one until their next query."""
        started = datetime.now(UTC)
        path = Path(path)
        outcome: list[tuple[int, _Staged]] = []

        def build(cur: duckdb.DuckDBPyConnection) -> None:
            outcome.append(_import_into(cur, path, source or str(path.resolve()), started))

        if self._in_memory:
            with self._lock, self.cursor() as cur:
                build(cur)
                self._vocabulary = None
                self._forget_rows()
                self.generation += 1
        else:
            _build_file(Path(self.path), build)
            self._reopen()
        rows, staged = outcome[0]
        seconds = (datetime.now(UTC) - started).total_seconds()
        return ImportReport(str(path), rows, staged.ignored_columns, seconds, staged.encoding,
                            staged.delimiter)


@functools.cache
def index_version() -> str:
    """What the index's terms and scores depend on: the analysers' versions, the stop words and
    the vocabulary's multi-word names (both become index terms or their absence), BM25's
    parameters. A catalog indexed under another version is indexed again when opened."""
    from toolkit.shop.lexicon import index_phrases  # the vocabulary builds on the analysis

    words = "\n".join(sorted(analysis.STOP_WORDS)) + "\n" + "\n".join(
        sorted(" ".join(p) for p in index_phrases()))
    digest = hashlib.sha256(words.encode()).hexdigest()[:12]
    return (f"{morphology.ANALYSER}; pystemmer-{metadata.version('PyStemmer')}; "
            f"bm25 k1={BM25_K1} b={BM25_B} fields={','.join(map(str, FIELD_WEIGHTS))}; "
            f"vocabulary {digest}; stored as {vocabulary.FORMAT}")


def _build_file(target: Path, fill: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Make a catalog file with the schema, let `fill` put products in it, and move it to
    `target` in one step; on any failure nothing at `target` changes."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CatalogError(f"cannot create the folder {target.parent} for the catalog: "
                           f"{_folder_problem(target.parent, e)}. Choose another place with "
                           "--db or TOOLKIT_DB") from e
    if not os.access(target.parent, os.W_OK):
        raise CatalogError(f"cannot create the catalog {target}: the folder {target.parent} is "
                           "not writable. Choose another place with --db or TOOLKIT_DB")
    _remove_abandoned_builds(target)
    building = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.building")
    leftovers = (building, building.with_name(building.name + ".wal"))
    try:
        con = connect(building, read_only=False)
    except CatalogError as e:
        raise CatalogError(f"cannot write the catalog beside {target}: {e}") from e
    try:
        apply_migrations(con, CATALOG_MIGRATIONS)
        fill(con)
        con.close()
        os.replace(building, target)
    except OSError as e:
        raise CatalogError(f"cannot write the catalog {target}: {e.strerror or e}") from e
    finally:
        con.close()
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)


def _remove_abandoned_builds(target: Path) -> None:
    """Delete what imports killed mid-way left beside `target` (files named for a process that
    no longer runs); a build in progress in a live process is left alone."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*-*.building*"):
        pid = leftover.name[len(target.name) + 2:].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except PermissionError:  # alive, another user's
            continue


def _import_into(cur: duckdb.DuckDBPyConnection, path: Path, source: str,
                 started: datetime) -> tuple[int, _Staged]:
    """Stage, check and index a user's file into the catalog `cur` is on; (rows, staged)."""
    staged = _stage(cur, path)
    problems = _validate(cur)
    if problems:
        cur.execute("DROP TABLE IF EXISTS staging")
        raise CatalogImportError(f"{path} was refused", problems)
    terms = _analysed_terms(cur)
    load_fts(cur)
    cur.execute("BEGIN TRANSACTION")
    try:
        _replace_products(cur, terms)
        _build_index(cur)
        rows: int = cur.execute("SELECT count(*) FROM products").fetchall()[0][0]
        vocabulary.store(cur)
        cur.executemany(
            "INSERT OR REPLACE INTO catalog_meta VALUES (?, ?)",
            [["source", source], ["imported_at", started.isoformat(timespec="seconds")],
             ["rows", str(rows)], ["index_version", index_version()]],
        )
        cur.execute("COMMIT")
    except BaseException as e:
        cur.execute("ROLLBACK")
        if isinstance(e, duckdb.Error):
            raise CatalogImportError(f"{path} could not be imported: {e}") from e
        raise
    finally:
        cur.execute("DROP TABLE IF EXISTS staging")
        cur.unregister("staged_terms")
    return rows, staged


def _stage(cur: duckdb.DuckDBPyConnection, path: Path) -> _Staged:
    """Read the file into a temporary `staging` table of cleaned text columns, with each row's
    number as the file counts it (`file_row`) and its price read (`price_value`)."""
    if not path.is_file():
        raise CatalogImportError(f"cannot read {path}", [f"no such file: {path}"])
    if path.stat().st_size == 0:
        raise CatalogImportError(f"cannot read {path}", ["the file is empty"])
    suffix = path.suffix.lower()
    encoding: str | None = None
    delimiter: str | None = None
    bad_rows: list[str] = []
    if suffix in CSV_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="toolkit-import-") as folder:
            encoding, delimiter, bad_rows = _read_csv(cur, path, Path(folder))
        first_row = 2  # the header is row 1, as a spreadsheet shows the file
    elif suffix in PARQUET_SUFFIXES:
        _read_raw(cur, path, "read_parquet(?)", [str(path)])
        first_row = 1
    else:
        raise CatalogImportError(
            f"cannot read {path}", [f"unknown file type '{suffix}': give a .csv or .parquet file"]
        )
    types = {row[0]: row[1] for row in cur.execute("DESCRIBE staging_raw").fetchall()}
    columns = list(types)
    by_key: dict[str, str] = {}
    for name in columns:
        by_key.setdefault(name.strip().lower(), name)
    missing = [c for c in REQUIRED_COLUMNS if c not in by_key]
    problems = [f"missing required column '{c}' (the file has: {', '.join(columns)})"
                for c in missing] or bad_rows
    if problems:
        cur.execute("DROP TABLE staging_raw")
        raise CatalogImportError(f"{path} was refused", problems)
    select = ["row_number() OVER () AS row_no",
              f"row_number() OVER () + {first_row - 1} AS file_row"]
    for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        select.append(f"{_clean_text(by_key[name])} AS {name}" if name in by_key
                      else f"NULL::VARCHAR AS {name}")
    # A price column of numbers is taken as it is; one of text is read by `_read_prices`.
    numeric = types[by_key["price"]].split("(")[0] in NUMERIC_TYPES
    if numeric:
        value = f"CAST({_quoted(by_key['price'])} AS DOUBLE)"
        select += [f"{value} AS price_value",
                   f"CASE WHEN NOT isfinite({value}) THEN 'not a number' END AS price_problem"]
    else:
        select += ["NULL::DOUBLE AS price_value", "NULL::VARCHAR AS price_problem"]
    # A row with nothing in it (Excel writes one for each formatted but empty row) is skipped;
    # the rows after it keep their numbers.
    anything = " OR ".join(f"{_clean_text(name)} IS NOT NULL" for name in columns)
    cur.execute(f"CREATE OR REPLACE TEMP TABLE staging AS SELECT {', '.join(select)} "
                f"FROM staging_raw QUALIFY {anything}")
    cur.execute("DROP TABLE staging_raw")
    if not numeric:
        _read_prices(cur)
    known = set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    ignored = [name for name in columns if name.strip().lower() not in known]
    return _Staged(ignored, encoding, delimiter)


def _sql_text(text: str) -> str:
    """A string literal, for the few statements that take no parameter (COPY ... TO)."""
    return "'" + text.replace("'", "''") + "'"


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _clean_text(column: str) -> str:
    """SQL for a column's value as the catalog keeps text: no control characters, no spaces
    around it, NULL when nothing is left."""
    return (f"nullif(trim(regexp_replace(CAST({_quoted(column)} AS VARCHAR), "
            f"'{CONTROL_CHARACTERS}', '', 'g')), '')")


def _read_raw(cur: duckdb.DuckDBPyConnection, path: Path, reader: str, params: list[Any],
              explain: Callable[[], str | None] = lambda: None) -> None:
    """The file as DuckDB reads it, in a temporary `staging_raw` table; when DuckDB cannot,
    the problem `explain` finds, else DuckDB's own first line."""
    try:
        cur.execute(f"CREATE OR REPLACE TEMP TABLE staging_raw AS SELECT * FROM {reader}", params)
    except duckdb.Error as e:
        raise CatalogImportError(f"cannot read {path}",
                                 [explain() or str(e).splitlines()[0]]) from e


def _read_csv(cur: duckdb.DuckDBPyConnection, path: Path,
              folder: Path) -> tuple[str, str, list[str]]:
    """Read a CSV file into `staging_raw`: (encoding, delimiter, problems with its rows).

    DuckDB reads UTF-8 only (its other encodings need an extension it cannot download here),
    so a file in another encoding is read from a UTF-8 copy made in `folder`. A row DuckDB
    cannot read (more or fewer fields than the header, a quote left open) is a problem: the
    import must not lose it."""
    text, encoding = path, _encoding_of(path)
    if encoding not in ("utf-8", "utf-8-sig"):
        text, encoding = _utf8_copy(path, encoding, folder)
    with text.open(encoding="utf-8-sig", newline="") as f:
        header = f.readline()
    delimiter = max(DELIMITERS, key=lambda d: len(next(csv.reader([header], delimiter=d), [])))
    try:
        _read_raw(cur, path, "read_csv(?, all_varchar = true, header = true, delim = ?, "
                  "quote = '\"', escape = '\"', store_rejects = true, "
                  "rejects_table = 'import_rejects', rejects_scan = 'import_reject_scans')",
                  [str(text), delimiter], lambda: _misquoted_line(text, delimiter))
        width = len(cur.execute("DESCRIBE staging_raw").fetchall())

        def bad_row(line: int, error: str | None, record: str) -> str:
            if error:
                return f"row {line}: {error}"
            fields = next(csv.reader([record.strip("\r\n")], delimiter=delimiter))
            return f"row {line} has {len(fields)} fields, the header has {width}"

        # DuckDB rejects a row once per column it finds missing or extra: one problem per row.
        bad_rows = _examples(cur, (
            "SELECT line, CASE WHEN bool_and(error_type IN ('TOO MANY COLUMNS', "
            "'MISSING COLUMNS')) THEN NULL ELSE any_value(error_message) END, "
            "any_value(csv_line) FROM import_rejects GROUP BY line ORDER BY line"), [], bad_row)
    finally:
        cur.execute("DROP TABLE IF EXISTS import_rejects")
        cur.execute("DROP TABLE IF EXISTS import_reject_scans")
    return encoding, delimiter, bad_rows


def _misquoted_line(path: Path, delimiter: str) -> str | None:
    """Where a file breaks the rules of quoting, which DuckDB reports only as a layout it cannot
    make out: Python's strict reader names the line."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error as e:
            return (f"line {reader.line_num}: {e} (a field with a quote in it is written in "
                    'quotes, its own quotes doubled: "a ""quoted"" word")')
    return None


def _encoding_of(path: Path) -> str:
    """The encoding a CSV file is written in: the one its byte-order mark names; UTF-8 if it
    is valid UTF-8; else Baltic (cp1257) if read so it has more Estonian letters than read as
    Western (cp1252), which it is otherwise."""
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        f.seek(0)
        utf8 = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: f.read(READ_CHUNK), b""):
                utf8.decode(chunk)
            utf8.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        f.seek(0)
        baltic, western = ESTONIAN_LETTERS.encode("cp1257"), ESTONIAN_LETTERS.encode("cp1252")
        counts = dict.fromkeys(set(baltic + western), 0)
        for chunk in iter(lambda: f.read(READ_CHUNK), b""):
            for byte in counts:
                counts[byte] += chunk.count(byte)
    letters = {codec: sum(counts[b] for b in encoded)
               for codec, encoded in (("cp1257", baltic), ("cp1252", western))}
    return "cp1257" if letters["cp1257"] > letters["cp1252"] else "cp1252"


def _utf8_copy(path: Path, encoding: str, folder: Path) -> tuple[Path, str]:
    """A UTF-8 copy of the file in `folder`, and the encoding it was read with: `encoding`,
    or for a code page that leaves some byte undefined, Western, then Latin-1 (which has
    none)."""
    copy = folder / "utf-8.csv"
    tries = [encoding] if encoding == "utf-16" else list(
        dict.fromkeys([encoding, "cp1252", "latin-1"]))
    for candidate in tries:
        try:
            with path.open(encoding=candidate, newline="") as source, \
                    copy.open("w", encoding="utf-8", newline="") as target:
                shutil.copyfileobj(source, target, READ_CHUNK)
            return copy, candidate
        except UnicodeDecodeError:
            continue
    raise CatalogImportError(f"cannot read {path}", [
        f"it starts with the byte-order mark of {encoding} but is not {encoding} text: "
        "save it again as CSV UTF-8"])


def _read_price(text: str) -> tuple[float | None, str | None]:
    """A price as a shop wrote it: (value, None), or (None, "not a number" or "ambiguous").

    "1.299" and "12,500" are ambiguous: thousands, or three decimals? A shop's price has two
    decimals, but "1.299" is also how a shop writes 1299 without decimals, so neither reading
    is safe to guess. A space never marks decimals: "1 299" is 1299."""
    match = _PRICE.fullmatch(text.strip())
    if not match or (match["group"] and match["group"] == match["decimal"]):
        return None, "not a number"
    number, group = match["number"], match["group"]
    if group:
        if group in ".," and not match["decimal"] and number.count(group) == 1:
            return None, "ambiguous"
        number = number.replace(group, "")
    return float(number.replace(",", ".")), None


def _read_prices(cur: duckdb.DuckDBPyConnection) -> None:
    """Read the staged prices written as text (each distinct one once, in Python where the
    rules are plain), into `price_value` or, for one that cannot be read, `price_problem`."""
    texts = [text for (text,) in cur.execute(
        "SELECT DISTINCT price FROM staging WHERE price IS NOT NULL").fetchall()]
    readings = [_read_price(text) for text in texts]
    cur.execute(
        "UPDATE staging SET price_value = r.value, price_problem = r.problem FROM ("
        "SELECT unnest(?::VARCHAR[]) AS price, unnest(?::DOUBLE[]) AS value, "
        "unnest(?::VARCHAR[]) AS problem) r WHERE staging.price = r.price",
        [texts, [value for value, _ in readings], [problem for _, problem in readings]])


# Each check: a query over `staging` returning (row, value) of offending rows in the order to
# show them, and a message.
_CHECKS: list[tuple[str, str]] = [
    ("SELECT file_row, id FROM staging WHERE id IS NULL ORDER BY 1",
     "row {row}: column 'id' is empty"),
    ("SELECT string_agg(file_row::VARCHAR, ', ' ORDER BY file_row), id FROM staging "
     "WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1 ORDER BY min(file_row)",
     "rows {row}: column 'id' repeats the id '{value}'"),
    ("SELECT file_row, title FROM staging WHERE title IS NULL ORDER BY 1",
     "row {row}: column 'title' is empty"),
    ("SELECT file_row, price FROM staging WHERE price IS NULL ORDER BY 1",
     "row {row}: column 'price' is empty"),
    ("SELECT file_row, price FROM staging WHERE price_problem = 'not a number' ORDER BY 1",
     "row {row}: column 'price' is not a number: '{value}'"),
    ("SELECT file_row, price FROM staging WHERE price_problem = 'ambiguous' ORDER BY 1",
     "row {row}: column 'price' could be thousands or decimals: '{value}' (write the decimals, "
     "as in 1.299,00 or 1,299.00, or no separator, as in 1299)"),
    ("SELECT file_row, price FROM staging WHERE price_problem IS NULL AND price_value < 0 "
     "ORDER BY 1",
     "row {row}: column 'price' is negative: {value}"),
    ("SELECT file_row, price FROM staging WHERE price_problem IS NULL AND price_value >= 1e9 "
     "ORDER BY 1",
     "row {row}: column 'price' is too large: {value}"),
    ("SELECT file_row, age_min FROM staging WHERE age_min IS NOT NULL AND "
     "coalesce(TRY_CAST(age_min AS INTEGER) NOT BETWEEN 0 AND 120, true) ORDER BY 1",
     "row {row}: column 'age_min' is not an age in years (0-120): '{value}'"),
    ("SELECT file_row, age_max FROM staging WHERE age_max IS NOT NULL AND "
     "coalesce(TRY_CAST(age_max AS INTEGER) NOT BETWEEN 0 AND 120, true) ORDER BY 1",
     "row {row}: column 'age_max' is not an age in years (0-120): '{value}'"),
    ("SELECT file_row, age_min || ' > ' || age_max FROM staging "
     "WHERE TRY_CAST(age_min AS INTEGER) > TRY_CAST(age_max AS INTEGER) ORDER BY 1",
     "row {row}: age_min is greater than age_max ({value})"),
    ("SELECT file_row, in_popular_list FROM staging WHERE in_popular_list IS NOT NULL AND "
     "NOT list_contains(?, lower(in_popular_list)) ORDER BY 1",
     "row {row}: column 'in_popular_list' is not true or false: '{value}'"),
]


def _validate(cur: duckdb.DuckDBPyConnection) -> list[str]:
    if cur.execute("SELECT count(*) FROM staging").fetchall()[0][0] == 0:
        return ["the file has no product rows"]
    problems: list[str] = []
    for query, message in _CHECKS:
        params = [sorted(TRUE_WORDS | FALSE_WORDS)] if "?" in query else []
        problems += _examples(cur, query, params, lambda row, value, message=message:
                              message.format(row=row, value=value))
    return problems


def _examples(cur: duckdb.DuckDBPyConnection, query: str, params: list[Any],
              describe: Callable[..., str]) -> list[str]:
    """The problems a query finds, one per row it returns, the first few only: a bad file of a
    million rows must still give a message a person reads."""
    found = cur.execute(f"{query} LIMIT {MAX_PROBLEMS + 1}", params).fetchall()
    problems = [describe(*row) for row in found[:MAX_PROBLEMS]]
    if len(found) > MAX_PROBLEMS:
        total = cur.execute(f"SELECT count(*) FROM ({query})", params).fetchall()[0][0]
        problems.append(f"... and {total - MAX_PROBLEMS:,} more like the last one")
    return problems


def _analysed_terms(cur: duckdb.DuckDBPyConnection) -> pa.Table:
    """The analysed text of every staged row, in the language each row is written in."""
    rows = cur.execute(
        "SELECT row_no, title, author, category, product_type, description, language FROM staging"
    ).fetchall()
    out: dict[str, list[Any]] = {k: [] for k in ("rid", "title", "author", "category", "description",
                                             "language")}
    for row_no, title, author, category, product_type, description, language in rows:
        language = analysis.language_of(language, f"{title} {description or ''}")
        out["rid"].append(row_no)
        out["title"].append(analysis.index_text(title, language))
        out["author"].append(analysis.index_text(author, language))
        # Taxonomy names are in the shop's language whatever the row's ("Raamatud" on an
        # English edition), so they get a language of their own.
        taxonomy = " ".join(filter(None, (category, product_type)))
        out["category"].append(analysis.index_text(taxonomy, analysis.detect_language(taxonomy)))
        out["description"].append(analysis.index_text(description, language))
        out["language"].append(language)
    import pyarrow as pa  # only an import needs it: opening a catalog does not

    return pa.table(out, schema=pa.schema([("rid", pa.int64())] + [
        (name, pa.string()) for name in ("title", "author", "category", "description", "language")
    ]))


def _replace_products(cur: duckdb.DuckDBPyConnection, terms: pa.Table) -> None:
    cur.register("staged_terms", terms)
    true_words = sorted(TRUE_WORDS)
    cur.execute(
        """
        CREATE OR REPLACE TABLE products AS
        SELECT s.row_no::INTEGER AS rid, s.id, s.title, s.author, s.description, s.product_type,
               s.category, coalesce(lower(s.language), t.language) AS language,
               TRY_CAST(s.age_min AS SMALLINT) AS age_min, TRY_CAST(s.age_max AS SMALLINT) AS age_max,
               round(s.price_value, 2) AS price,
               coalesce(list_contains(?, lower(s.in_popular_list)), false) AS in_popular_list,
               s.image_url,
               strip_accents(lower(s.product_type)) AS product_type_key,
               strip_accents(lower(s.category)) AS category_key,
               strip_accents(lower(s.author)) AS author_key
        FROM staging s JOIN staged_terms t ON t.rid = s.row_no
        ORDER BY s.row_no
        """,
        [true_words],
    )
    cur.execute("CREATE UNIQUE INDEX products_rid ON products (rid)")
    cur.execute(
        "CREATE OR REPLACE TABLE product_terms AS "
        "SELECT rid::INTEGER AS rid, title, author, category, description FROM staged_terms ORDER BY rid"
    )


def _build_index(cur: duckdb.DuckDBPyConnection) -> None:
    # The text is analysed already: no stemming, stop words or accents for FTS to handle.
    cur.execute(
        "PRAGMA create_fts_index('product_terms', 'rid', 'title', 'author', 'category', "
        "'description', stemmer = 'none', stopwords = 'none', ignore = '[^a-z0-9]+', "
        "strip_accents = 0, lower = 0, overwrite = 1)"
    )
    w = FIELD_WEIGHTS
    cur.execute(
        f"""
        CREATE OR REPLACE TABLE search_postings AS
        WITH tf AS (
            SELECT termid, docid,
                   sum(CASE fieldid WHEN 0 THEN {w[0]} WHEN 1 THEN {w[1]} WHEN 2 THEN {w[2]}
                       ELSE {w[3]} END) AS tf
            FROM fts_main_product_terms.terms GROUP BY ALL
        )
        SELECT tf.termid::INTEGER AS termid, d.name::INTEGER AS rid,
               (tf.tf * ({BM25_K1} + 1)
                / (tf.tf + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * d.len / s.avgdl)))::FLOAT AS tf_part
        FROM tf
        JOIN fts_main_product_terms.docs d USING (docid)
        CROSS JOIN fts_main_product_terms.stats s
        ORDER BY termid, rid
        """
    )


# -- what a face shows of a catalog and of an import ------------------------------------------

PREVIEW_ROWS = 5  # the products a summary shows, in the file's order


@dataclass(frozen=True)
class CatalogSummary:
    """What a person checks before using a catalog: where it came from, its counts, and its
    first products as the file had them."""

    path: str
    source: str | None
    imported_at: str | None
    products: int
    languages: dict[str, int]  # by count, most first; "(none)" for products without one
    categories: dict[str, int]
    first_rows: list[Row]


def summarize(catalog: Catalog, rows: int = PREVIEW_ROWS) -> CatalogSummary:
    """The catalog's counts and its first `rows` products (in the order of the imported file)."""
    with catalog.cursor() as cur:
        meta = dict(cur.execute("SELECT key, value FROM catalog_meta").fetchall())
        if not catalog.has_products():
            return CatalogSummary(catalog.path, meta.get("source"), meta.get("imported_at"), 0,
                                  {}, {}, [])
        count: int = cur.execute("SELECT count(*) FROM products").fetchall()[0][0]
        by_column = {column: dict(cur.execute(
            f"SELECT coalesce({column}, '(none)'), count(*) FROM products "
            "GROUP BY ALL ORDER BY 2 DESC, 1").fetchall()) for column in ("language", "category")}
        first = cur.execute(f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products ORDER BY rid "
                            "LIMIT ?", [rows]).fetchall()
    return CatalogSummary(catalog.path, meta.get("source"), meta.get("imported_at"), count,
                          by_column["language"], by_column["category"],
                          [dict(zip(PRODUCT_COLUMNS, row, strict=True)) for row in first])


def import_warnings(report: ImportReport) -> list[str]:
    """What an accepted import did that its author should check: text whose encoding was
    guessed from a code page (its letters may be wrong), and columns the catalog dropped."""
    warnings = []
    if report.encoding in ("cp1257", "cp1252", "latin-1"):
        names = {"cp1257": "Baltic (cp1257)", "cp1252": "Western (cp1252)",
                 "latin-1": "Latin-1"}
        warnings.append(f"the file is not UTF-8: it was read as {names[report.encoding]} text; "
                        "check that letters such as õ, ä, š and ž look right, or save it as "
                        "CSV UTF-8")
    if report.ignored_columns:
        kept = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        warnings.append(f"ignored {'column' if len(report.ignored_columns) == 1 else 'columns'}"
                        f" {', '.join(report.ignored_columns)}: the catalog keeps {kept}")
    return warnings
