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
sorted by term, so a search reads only the rows of its own terms (see `toolkit.shop.search`).
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import duckdb_extensions

if TYPE_CHECKING:
    import pyarrow as pa

from toolkit.core.db import Migration, apply_migrations
from toolkit.core.errors import CatalogError, CatalogImportError
from toolkit.core.settings import DEFAULT_CATALOG_FILE, default_db_path
from toolkit.shop import text as analysis

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
FIELD_WEIGHTS = (2.5, 2.5, 3.0, 1.0)
TRUE_WORDS = frozenset({"true", "t", "1", "yes", "y", "jah", "j", "x"})
FALSE_WORDS = frozenset({"false", "f", "0", "no", "n", "ei", ""})
ROW_CACHE_SIZE = 20_000  # product rows kept in memory for search results
MIN_LANGUAGE_SHARE = 0.05  # a language with fewer of the products is not one the catalog has
MAX_PROBLEMS = 5  # offending rows named per problem, so a bad 1M-row file gives a readable error

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
    """What a failed open means for the user, with the one hint that fits."""
    text = str(e).split("\n")[0]
    if "lock" in text.lower():
        return (f"{text}. Another program has it open for writing (a toolkit before 0.2, or a "
                "DuckDB shell): close that, or pass another file with --db")
    if any(w in text.lower() for w in ("not a valid", "corrupt", "magic", "truncated",
                                       "serializ", "could not read")):
        return (f"{text}. It is not a catalog this toolkit can read (damaged or another "
                "kind of file): move it away, or pass another file with --db")
    return text


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which file is at `path` now: an import puts a new one there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's FTS extension, from its wheel (DuckDB cannot download it here): about 25 ms,
    paid only by an import (and by whoever calls its `match_bm25` macro)."""
    try:
        con.execute("LOAD fts")
    except duckdb.Error:
        duckdb_extensions.import_extension("fts", con=con)
        con.execute("LOAD fts")


@dataclass(frozen=True)
class Vocabulary:
    """The index's terms in memory: term -> (termid, document frequency), and sorted terms."""

    terms: dict[str, tuple[int, int]]
    sorted_terms: list[str]
    num_docs: int
    # The share of products in each language ("et", "en", ...) and on the popular list: the
    # search widens a query only into languages the catalog has, and weighs popularity only
    # where some products have it and others not.
    languages: dict[str, float] = field(default_factory=dict)
    popular_share: float = 0.0

    def has_language(self, language: str) -> bool:
        return self.languages.get(language, 0.0) >= MIN_LANGUAGE_SHARE

    def idf(self, df: int) -> float:
        return math.log(1 + (self.num_docs - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class ImportReport:
    path: str
    rows: int
    ignored_columns: list[str]
    seconds: float


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
        # Bumped each time another file is put in place (an import here or in another process).
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
            if not path.exists() or path.stat().st_size == 0:
                _build_file(path, lambda con: None)
            catalog = cls(connect(path), path)
        # DuckDB imports its optional pandas support on the first bound query; pay that
        # here, at open, rather than in the first search a user times.
        catalog._con.execute("SELECT ?", [0]).fetchall()
        if seed_default and not catalog.has_products():
            if not DEFAULT_CATALOG_FILE.exists():
                catalog.close()
                raise CatalogError(
                    f"the default catalog {DEFAULT_CATALOG_FILE} is missing: run "
                    "`python data/generate_catalog.py`, or import your own with "
                    "`python -m toolkit catalog import FILE`."
                )
            catalog.import_file(DEFAULT_CATALOG_FILE, source="default catalog")
        return catalog

    def close(self) -> None:
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
                    self._rows.clear()
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
        """The index terms, loaded once per import (a few MB even at a million products)."""
        if self._vocabulary is None:
            with self.cursor() as cur:
                rows = cur.execute(
                    "SELECT term, termid, df FROM fts_main_product_terms.dict"
                ).fetchall()
                num_docs = cur.execute(
                    "SELECT num_docs FROM fts_main_product_terms.stats"
                ).fetchall()[0][0]
                mix = cur.execute(
                    "SELECT coalesce(language, ''), count(*), count(*) FILTER (in_popular_list) "
                    "FROM products GROUP BY ALL").fetchall()
            terms = {term: (termid, df) for term, termid, df in rows}
            total = sum(n for _, n, _ in mix) or 1
            self._vocabulary = Vocabulary(
                terms, sorted(terms), num_docs, {lang: n / total for lang, n, _ in mix},
                sum(popular for _, _, popular in mix) / total)
        return self._vocabulary

    def clear_cache(self) -> None:
        """Forget cached product rows (benchmarks use it to measure a cold read)."""
        with self._lock:
            self._rows.clear()

    def products_by_rid(self, rids: list[int]) -> list[Row]:
        """Product rows by internal rid, in the order asked, through a bounded cache.

        A catalog that fits the cache is read whole on first use (one scan, a few ms for the
        default catalog); a larger one reads the rows it misses through the rid index."""
        with self._lock:
            missing = [rid for rid in rids if rid not in self._rows]
            load_all = bool(missing) and not self._rows and \
                self.vocabulary().num_docs <= ROW_CACHE_SIZE
        if load_all:
            cols = ", ".join(("rid",) + PRODUCT_COLUMNS)
            with self.cursor() as cur:
                rows = cur.execute(f"SELECT {cols} FROM products").fetchall()
            with self._lock:
                for row in rows:
                    self._rows[row[0]] = dict(zip(PRODUCT_COLUMNS, row[1:], strict=True))
            missing = []
        if missing:
            cols = ", ".join(("rid",) + PRODUCT_COLUMNS)
            # One placeholder per rid: DuckDB answers an IN list of parameters from the ART
            # index on rid (a few ms at a million rows); a list parameter would scan the table.
            placeholders = ", ".join("?" * len(missing))
            with self.cursor() as cur:
                rows = cur.execute(
                    f"SELECT {cols} FROM products WHERE rid IN ({placeholders})", missing
                ).fetchall()
            with self._lock:
                for row in rows:
                    self._rows[row[0]] = dict(zip(PRODUCT_COLUMNS, row[1:], strict=True))
                while len(self._rows) > ROW_CACHE_SIZE:
                    self._rows.popitem(last=False)
        with self._lock:
            found = []
            for rid in rids:
                if rid in self._rows:
                    self._rows.move_to_end(rid)
                    found.append(self._rows[rid])
            return found

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

        The new catalog is built in a file of its own beside this one and moved into place:
        other processes go on reading the old one until their next query."""
        started = datetime.now(UTC)
        path = Path(path)
        outcome: list[tuple[int, list[str]]] = []

        def build(cur: duckdb.DuckDBPyConnection) -> None:
            outcome.append(_import_into(cur, path, source or str(path.resolve()), started))

        if self._in_memory:
            with self._lock, self.cursor() as cur:
                build(cur)
                self._vocabulary = None
                self._rows.clear()
        else:
            _build_file(Path(self.path), build)
            self._reopen()
        rows, ignored = outcome[0]
        seconds = (datetime.now(UTC) - started).total_seconds()
        return ImportReport(str(path), rows, ignored, seconds)


def _build_file(target: Path, fill: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Make a catalog file with the schema, let `fill` put products in it, and move it to
    `target` in one step; on any failure nothing at `target` changes."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CatalogError(f"cannot create the folder for the catalog {target}: "
                           f"{e.strerror or e}") from e
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


def _import_into(cur: duckdb.DuckDBPyConnection, path: Path, source: str,
                 started: datetime) -> tuple[int, list[str]]:
    """Stage, check and index a user's file into the catalog `cur` is on; (rows, ignored)."""
    ignored = _stage(cur, path)
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
        cur.executemany(
            "INSERT OR REPLACE INTO catalog_meta VALUES (?, ?)",
            [["source", source], ["imported_at", started.isoformat(timespec="seconds")],
             ["rows", str(rows)]],
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
    return rows, ignored


def _stage(cur: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Read the file into a temporary `staging` table of text columns; return ignored columns."""
    if not path.is_file():
        raise CatalogImportError(f"cannot read {path}", [f"no such file: {path}"])
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        reader = "read_csv(?, all_varchar = true, header = true)"
    elif suffix in (".parquet", ".pq"):
        reader = "read_parquet(?)"
    else:
        raise CatalogImportError(
            f"cannot read {path}", [f"unknown file type '{suffix}': give a .csv or .parquet file"]
        )
    try:
        cur.execute(
            f"CREATE OR REPLACE TEMP TABLE staging_raw AS SELECT * FROM {reader}", [str(path)]
        )
    except duckdb.Error as e:
        raise CatalogImportError(f"cannot read {path}", [str(e).splitlines()[0]]) from e
    columns = [row[0] for row in cur.execute("DESCRIBE staging_raw").fetchall()]
    by_key: dict[str, str] = {}
    for name in columns:
        by_key.setdefault(name.strip().lower(), name)
    missing = [c for c in REQUIRED_COLUMNS if c not in by_key]
    if missing:
        cur.execute("DROP TABLE staging_raw")
        raise CatalogImportError(
            f"{path} was refused",
            [f"missing required column '{c}' (the file has: {', '.join(columns)})" for c in missing],
        )
    select = ["row_number() OVER () AS row_no"]
    for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        if name in by_key:
            quoted = '"' + by_key[name].replace('"', '""') + '"'
            select.append(f"nullif(trim(CAST({quoted} AS VARCHAR)), '') AS {name}")
        else:
            select.append(f"NULL::VARCHAR AS {name}")
    cur.execute(f"CREATE OR REPLACE TEMP TABLE staging AS SELECT {', '.join(select)} FROM staging_raw")
    cur.execute("DROP TABLE staging_raw")
    known = set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    return [name for name in columns if name.strip().lower() not in known]


# Each check: a query over `staging` returning (row_no, value) of offending rows, and a message.
_CHECKS: list[tuple[str, str]] = [
    ("SELECT row_no, id FROM staging WHERE id IS NULL",
     "row {row}: column 'id' is empty"),
    ("SELECT min(row_no), id || ' (rows ' || string_agg(row_no::VARCHAR, ', ' ORDER BY row_no) || ')' "
     "FROM staging WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1",
     "column 'id': duplicate id {value}"),
    ("SELECT row_no, title FROM staging WHERE title IS NULL",
     "row {row}: column 'title' is empty"),
    ("SELECT row_no, price FROM staging WHERE price IS NULL",
     "row {row}: column 'price' is empty"),
    ("SELECT row_no, price FROM staging WHERE price IS NOT NULL AND "
     "(TRY_CAST(price AS DOUBLE) IS NULL OR NOT isfinite(TRY_CAST(price AS DOUBLE)))",
     "row {row}: column 'price' is not a number: '{value}'"),
    ("SELECT row_no, price FROM staging WHERE TRY_CAST(price AS DOUBLE) < 0",
     "row {row}: column 'price' is negative: {value}"),
    ("SELECT row_no, price FROM staging WHERE TRY_CAST(price AS DOUBLE) >= 1e9",
     "row {row}: column 'price' is too large: {value}"),
    ("SELECT row_no, age_min FROM staging WHERE age_min IS NOT NULL AND "
     "coalesce(TRY_CAST(age_min AS INTEGER) NOT BETWEEN 0 AND 120, true)",
     "row {row}: column 'age_min' is not an age in years (0-120): '{value}'"),
    ("SELECT row_no, age_max FROM staging WHERE age_max IS NOT NULL AND "
     "coalesce(TRY_CAST(age_max AS INTEGER) NOT BETWEEN 0 AND 120, true)",
     "row {row}: column 'age_max' is not an age in years (0-120): '{value}'"),
    ("SELECT row_no, age_min || ' > ' || age_max FROM staging "
     "WHERE TRY_CAST(age_min AS INTEGER) > TRY_CAST(age_max AS INTEGER)",
     "row {row}: age_min is greater than age_max ({value})"),
    ("SELECT row_no, in_popular_list FROM staging WHERE in_popular_list IS NOT NULL AND "
     "NOT list_contains(?, lower(in_popular_list))",
     "row {row}: column 'in_popular_list' is not true or false: '{value}'"),
]


def _validate(cur: duckdb.DuckDBPyConnection) -> list[str]:
    if cur.execute("SELECT count(*) FROM staging").fetchall()[0][0] == 0:
        return ["the file has no product rows"]
    problems: list[str] = []
    for query, message in _CHECKS:
        params = [sorted(TRUE_WORDS | FALSE_WORDS)] if "?" in query else []
        rows = cur.execute(f"{query} ORDER BY 1 LIMIT {MAX_PROBLEMS + 1}", params).fetchall()
        for row_no, value in rows[:MAX_PROBLEMS]:
            problems.append(message.format(row=row_no, value=value))
        if len(rows) > MAX_PROBLEMS:
            problems.append(f"... and more rows like the last one ({message.split(':')[0]})")
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
               round(CAST(s.price AS DOUBLE), 2) AS price,
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
