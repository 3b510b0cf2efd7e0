"""Catalogs uploaded through a face (the app's catalog page): checked, imported, listed.

An upload never replaces a catalog someone may be using. Each one is imported into a new file
of its own in an `uploads` folder beside the default catalog, by the same `Catalog.import_file`
the CLI uses, so it is refused for the same reasons and built the same way (a `.building` file
moved into place). A face then opens it read-only, like any catalog; the CLI and notebooks can
open it too (`--db PATH`), and `catalog import FILE --db PATH` replaces it while the app has it
open: the app moves to the new file on its next query.

Before the import, the bytes are checked for what a web upload brings and a shell user rarely
types: a file over the size limit, and a spreadsheet, archive or other binary file given a .csv
or .parquet name, each refused with what to do instead.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from toolkit.core.errors import CatalogImportError
from toolkit.shop.catalog import (
    CSV_SUFFIXES,
    PARQUET_SUFFIXES,
    Catalog,
    ImportReport,
    import_warnings,
)

MAX_UPLOAD_BYTES = 200 * 2**20  # Streamlit's default upload limit (server.maxUploadSize)
UPLOAD_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES
UPLOADS_FOLDER = "uploads"
# Text has no control bytes but tab, newline and carriage return. A binary file has them
# everywhere (random bytes: 11% besides NUL), UTF-16 text without a byte-order mark has a NUL
# in every other byte; a broken export may carry NULs, which the import strips, so NULs alone
# refuse a file only when they are a large part of it.
SNIFF_BYTES = 64 * 1024
MAX_CONTROL_SHARE = 0.01
MIN_CONTROL_BYTES = 16  # so that a tiny file is not refused for one stray character
MAX_NUL_SHARE = 0.25
_CONTROL_BYTES = bytes(b for b in range(1, 32) if b not in b"\t\n\r") + b"\x7f"
_BOMS_WITH_NULS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 text is half NULs
# What the first bytes of a file say it is, and what to do instead.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or OpenDocument .ods workbook is one): save "
                    "the sheet as CSV UTF-8"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook: save the sheet as CSV UTF-8"),
    (b"\x1f\x8b", "compressed with gzip: unpack it first"),
    (b"%PDF", "a PDF document, not a table: export the table as CSV UTF-8"),
    (b"SQLite format 3\x00", "an SQLite database, not a table: export the table as CSV"),
)
PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class UploadedCatalog:
    """A catalog made from an upload: its file, how the import went, what to check."""

    path: Path
    report: ImportReport
    warnings: list[str]


def uploads_folder(default_catalog: Path | str) -> Path:
    """Where uploaded catalogs go: a folder beside the default catalog."""
    return Path(default_catalog).parent / UPLOADS_FOLDER


def upload_problem(name: str, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> str | None:
    """Why an upload cannot be a catalog before any import is tried, or None. Empty files and
    unknown suffixes are left to the import, which refuses them as the CLI does."""
    suffix = Path(name).suffix.lower()
    if not data or suffix not in UPLOAD_SUFFIXES:
        return None
    if len(data) > max_bytes:
        return (f"the file is {_size(len(data))} and the app takes at most {_size(max_bytes)}: "
                "import it with `python -m toolkit catalog import FILE --db PATH`, which has "
                "no limit")
    for signature, meaning in SIGNATURES:
        if data.startswith(signature):
            return f"it is {meaning}"
    if suffix in PARQUET_SUFFIXES:
        if not (data.startswith(PARQUET_MAGIC) and data.endswith(PARQUET_MAGIC)):
            return ("it is not a Parquet file (a Parquet file begins and ends with 'PAR1'): "
                    "give a CSV file a .csv name")
        return None
    if data.startswith(PARQUET_MAGIC):
        return "it is a Parquet file: give it a .parquet name"
    head = data[:SNIFF_BYTES]
    if head.startswith(_BOMS_WITH_NULS):
        return None
    control = sum(head.count(byte) for byte in _CONTROL_BYTES)
    nuls = head.count(0)
    if control > max(MAX_CONTROL_SHARE * len(head), MIN_CONTROL_BYTES) or \
            nuls > MAX_NUL_SHARE * len(head):
        return (f"it is not text: {(control + nuls) / len(head):.0%} of its first bytes are "
                "control characters (a binary file given a .csv name, or UTF-16 text without "
                "a byte-order mark): save the table as CSV UTF-8")
    return None


def import_upload(name: str, data: bytes, folder: Path | str, *,
                  max_bytes: int = MAX_UPLOAD_BYTES) -> UploadedCatalog:
    """Import an uploaded CSV or Parquet file into a new catalog file in `folder`.

    Refusals are `CatalogImportError`s naming the upload (not the temporary copy the import
    read); a refused upload leaves no file behind."""
    if (problem := upload_problem(name, data, max_bytes)) is not None:
        raise CatalogImportError(f"{name} was refused", [problem])
    folder = Path(folder)
    target = folder / f"{_slug(name)}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.duckdb"
    try:
        # Opening makes the (empty) file and its folder; the copy beside it keeps the
        # upload's name, suffix included: the import reads by suffix.
        with Catalog.open(target, seed_default=False) as catalog, \
                tempfile.TemporaryDirectory(prefix=".upload-", dir=folder) as staging:
            copy = Path(staging) / (Path(name).name or "upload")
            copy.write_bytes(data)
            try:
                report = catalog.import_file(copy, source=f"upload: {name}")
            except CatalogImportError as e:
                raise _naming(e, copy, name) from e
    except BaseException:  # the name is new and ours: nobody else can have the file open
        for leftover in (target, target.with_name(target.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    shown = ImportReport(name, report.rows, report.ignored_columns, report.seconds,
                         report.encoding, report.delimiter)
    return UploadedCatalog(target, shown, import_warnings(shown))


def uploaded_catalogs(folder: Path | str) -> list[Path]:
    """The catalogs uploaded into `folder`, newest first (builds in progress are hidden)."""
    found = [p for p in Path(folder).glob("*.duckdb") if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)


def _size(count: int) -> str:
    """A byte count as a person reads it: "200 MB", "1.5 MB", "900 bytes"."""
    if count < 2**20:
        return f"{count:,} bytes"
    return f"{count / 2**20:,.1f}".removesuffix(".0") + " MB"


def _slug(name: str) -> str:
    """A file name's stem as plain lower-case letters, digits and dashes."""
    ascii_name = unicodedata.normalize("NFKD", Path(name).stem).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "catalog"


def _naming(error: CatalogImportError, copy: Path, name: str) -> CatalogImportError:
    """The refusal as the user sees the file: by the name they uploaded."""
    trailer = "".join(f"\n  - {p}" for p in error.problems) + "\nThe catalog was left as it was."
    message = str(error).removesuffix(trailer)
    return CatalogImportError(message.replace(str(copy), name),
                              [problem.replace(str(copy), name) for problem in error.problems])
