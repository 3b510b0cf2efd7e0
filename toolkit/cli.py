"""The command line: `python -m toolkit COMMAND`. It renders what the core returns, nothing more.

    python -m toolkit catalog info [--db PATH] [--json]
    python -m toolkit catalog import FILE [--db PATH]
    python -m toolkit search "QUERY" [--max-price N] [--min-price N] [--category C] [--json]
    python -m toolkit chat [--json | --quiet] [--mode parallel|sequential] [--conversation ID]
                           [--state URL] MESSAGE
    python -m toolkit syllabus "TOPIC" [--modules N] [--mode sequential|parallel] [--concurrency K]
                               [--backend ...] [--timeout SECONDS] [--json] [--out FILE.md]

Exit codes: 0 done (a syllabus that fell back to templates in places included), 1 refused or
failed (the message says why), 2 a usage error (an option out of range, text that is not UTF-8,
an --out file that cannot be written), found before any work starts.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import json
import math
import os
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from toolkit import __version__
from toolkit.core.errors import ToolkitError
from toolkit.core.settings import BackendName, ModelSettings, Settings, default_db_path
from toolkit.llm.simulated import PROFILES

if TYPE_CHECKING:
    from toolkit.assistant.events import Event
    from toolkit.llm.base import CallRecord
    from toolkit.shop.search import SearchResult
    from toolkit.syllabus.events import SyllabusEvent

BACKENDS = get_args(BackendName)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def _positive(text: str) -> float:
    """Seconds, a time scale: a finite number above 0."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {text!r}")
    return value


def _share(text: str) -> float:
    """A share of calls: a number from 0 to 1."""
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a share from 0 to 1, not {text!r}")
    return value


def _amount(text: str) -> float:
    """A price in EUR: a finite number, 0 or more."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an amount of 0 or more, not {text!r}")
    return value


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            allowed = f"from {low} to {high}" if high is not None else f"of {low} or more"
            raise argparse.ArgumentTypeError(f"must be a whole number {allowed}, not {text!r}")
        return value
    return parse


def _module_count(text: str) -> int:
    from toolkit.syllabus.generate import MAX_MODULES  # a syllabus run imports it anyway

    return _whole(1, MAX_MODULES)(text)


def _output_file(text: str) -> Path:
    """A file the syllabus can be written to, checked before the run, not after it."""
    path = Path(text).expanduser()
    folder = path.parent
    if path.is_dir():
        problem = "it is a folder"
    elif not folder.exists():
        problem = f"the folder {folder} does not exist"
    elif not folder.is_dir():
        problem = f"{folder} is not a folder"
    elif not os.access(path if path.exists() else folder, os.W_OK):
        problem = "permission denied" if path.exists() else f"the folder {folder} is not writable"
    else:
        return path
    raise argparse.ArgumentTypeError(f"cannot write {text}: {problem}")


def _not_utf8(argv: Sequence[str]) -> str | None:
    """The first argument that is not UTF-8 text, its bad bytes shown as \\xNN. Python passes
    them on as lone surrogates, which would fail later, in JSON, DuckDB or a print."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def _db_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", type=Path, default=None,
                        help=f"catalog database file (default: {default_db_path()}, or $TOOLKIT_DB)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    db = _db_option()
    parser = argparse.ArgumentParser(prog="python -m toolkit",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--version", action="version", version=f"toolkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    catalog = commands.add_parser("catalog", help="inspect or replace the product catalog")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True)
    info = catalog_commands.add_parser("info", parents=[db], help="what the catalog holds")
    info.add_argument("--json", action="store_true", help="print JSON")
    imp = catalog_commands.add_parser(
        "import", parents=[db],
        help="replace the catalog with a CSV or Parquet file (columns: id, title, price required)")
    imp.add_argument("file", type=Path, help="the CSV or Parquet file to import")

    search = commands.add_parser("search", parents=[db], help="search the catalog")
    search.add_argument("query", help="what to look for, in Estonian or English")
    search.add_argument("--max-price", type=_amount, help="budget ceiling in EUR")
    search.add_argument("--min-price", type=_amount, help="budget floor in EUR")
    search.add_argument("--category", action="append", default=[], help="category (repeatable)")
    search.add_argument("--type", dest="product_type", action="append", default=[],
                        help="product type, e.g. Raamatud (repeatable)")
    search.add_argument("--author", action="append", default=[], help="author name or part of it")
    search.add_argument("--age", type=_whole(0), help="the reader's or player's age in years")
    search.add_argument("--exclude", action="append", default=[], help="product id to leave out")
    search.add_argument("--sort", choices=["relevance", "price_asc", "price_desc"],
                        default="relevance", help="order of the results (default: relevance)")
    search.add_argument("--limit", type=_whole(1), default=10, help="results to show")
    search.add_argument("--json", action="store_true", help="print the result as JSON")

    chat = commands.add_parser("chat", parents=[db], help="one turn with the shop assistant")
    chat.add_argument("message", help="what the shopper says, in Estonian or English")
    chat.add_argument("--json", action="store_true", help="print the events as JSON lines")
    chat.add_argument("--quiet", action="store_true",
                      help="leave the timing block out of the transcript")
    chat.add_argument("--backend", choices=list(BACKENDS), default=None,
                      help="who does the thinking (default: $TOOLKIT_BACKEND, else offline)")
    chat.add_argument("--profile", choices=list(PROFILES), default=None,
                      help="latency profile of the simulated backend (labelled simulated)")
    chat.add_argument("--time-scale", type=_positive, default=None,
                      help="simulated time scale: 0.1 runs ten times faster")
    chat.add_argument("--disagreement", type=_share, default=None,
                      help="share of messages the simulated model reads differently from the "
                           "rules (0-1; default $SIMULATED_DISAGREEMENT, else 0)")
    chat.add_argument("--mode", choices=["parallel", "sequential"], default=None,
                      help="orchestrator (default: parallel, or $PARALLEL_EXECUTION_ENABLE)")
    chat.add_argument("--conversation", default="cli",
                      help="conversation id: turns with the same id share memory")
    chat.add_argument("--state", metavar="URL", default=None,
                      help="where conversations are kept: postgresql://…, sqlite:///path or "
                           "memory: (default $TOOLKIT_STATE_URL, else a file beside the catalog)")
    chat.add_argument("--debug", action="store_true", help="structured debug logs on stderr")

    syllabus = commands.add_parser("syllabus", help="write a course syllabus")
    syllabus.add_argument("topic", help="what the course is about")
    syllabus.add_argument("--modules", type=_module_count, default=8,
                          help="number of modules, 1-20")
    syllabus.add_argument("--mode", choices=["sequential", "parallel"], default="parallel",
                          help="module calls one after another, or several at once (default)")
    syllabus.add_argument("--concurrency", type=_whole(1), default=3,
                          help="module calls at once in parallel mode")
    syllabus.add_argument("--backend", choices=list(BACKENDS), default=None,
                          help="who writes it (default: $TOOLKIT_BACKEND, else offline)")
    syllabus.add_argument("--profile", choices=list(PROFILES), default=None,
                          help="latency profile of the simulated backend (labelled simulated)")
    syllabus.add_argument("--time-scale", type=_positive, default=None,
                          help="simulated time scale: 0.1 runs ten times faster")
    syllabus.add_argument("--timeout", type=_positive, default=None,
                          help="seconds the whole run may take (default 300); modules the model "
                               "has not written by then come from the offline template, marked")
    syllabus.add_argument("--language", choices=["et", "en"], default=None,
                          help="the syllabus's language (default: read from the topic)")
    syllabus.add_argument("--json", action="store_true", help="print the events as JSON lines")
    syllabus.add_argument("--out", type=_output_file,
                          help="write the syllabus as Markdown to this file")
    return parser


def _count(number: int, word: str, many: str | None = None) -> str:
    """A count and its noun: "1 product", "3 products", "1,200 products"."""
    return f"{number:,} {word if number == 1 else many or word + 's'}"


def _print_info(info: dict[str, Any]) -> None:
    print(f"catalog   {info['path']}")
    print(f"source    {info.get('source', '-')} (imported {info.get('imported_at', '-')})")
    print(f"products  {info['products']:,}")
    if not info["products"]:
        return
    print(f"popular   {info['popular']:,}")
    print(f"prices    {info['price_min']:.2f} - {info['price_max']:.2f} EUR")
    print(f"authors   {info['authors']:,}")
    print(f"index     {info['index_terms']:,} terms")
    print("types     " + ", ".join(f"{k} {v}" for k, v in info["product_types"].items()))
    print("languages " + ", ".join(f"{k} {v}" for k, v in info["languages"].items()))
    print(f"categories ({len(info['categories'])})")
    for name, count in info["categories"].items():
        print(f"  {count:6,}  {name}")


def _print_search(result: SearchResult) -> None:
    for warning in result.warnings:
        print(f"! {warning.message}")
    for rank, hit in enumerate(result.products, 1):
        badge = "★" if hit.in_popular_list else " "
        outside = "  (outside budget)" if hit.outside_budget else ""
        author = f" — {hit.author}" if hit.author else ""
        print(f"{rank:3}. {badge} {hit.price:8.2f} €  {hit.title}{author}  "
              f"[{hit.product_type or '-'} / {hit.category or '-'}]  id {hit.id}{outside}")
    m = result.metrics
    print(f"\n{len(result.products)} shown of {_count(m.candidates, 'candidate')} · search "
          f"{m.total_ms:.1f} ms (sql {m.sql_ms:.1f} ms, rerank {m.rerank_ms:.1f} ms) · "
          f"{m.matched_words} of {_count(m.query_words, 'word')} matched · "
          f"{_count(result.diversity.distinct_authors_top3, 'author')} in the top 3")


def _tokens(call: CallRecord) -> str:
    estimated = " (estimated)" if call.tokens_estimated else ""
    return f"{call.prompt_tokens}+{call.completion_tokens} tokens{estimated}"


def _render_event(event: Event, quiet: bool = False) -> None:
    """A readable transcript: the face shows events, it decides nothing. `quiet` leaves out
    the timing block."""
    from toolkit.assistant.answer import price_text
    from toolkit.assistant.events import (
        ErrorEvent,
        IntentEvent,
        ProductsEvent,
        SkeletonEvent,
        SuggestionsEvent,
        TextEvent,
        TimingEvent,
    )

    if isinstance(event, IntentEvent):
        print(f"[{event.decision}] intent {event.intent} (confidence {event.confidence:.2f}, "
              f"{event.language})")
        if event.speculation and event.speculation != "kept":
            print(f"  early search {event.speculation}: the model read "
                  f"{'; '.join(event.revisions) or 'it differently'}")
    elif isinstance(event, SkeletonEvent):
        print("▒" * 3 + f" loading {_count(event.count, 'product')}…")
    elif isinstance(event, TextEvent):
        print(event.delta, end="", flush=True)
    elif isinstance(event, ProductsEvent):
        if event.metadata.refines:
            return  # the same cards again, refined: nothing new to print in a terminal
        print()
        for product in event.products:
            badge = "★" if product.in_popular_list else " "
            author = f" — {product.author}" if product.author else ""
            price = price_text(product.price, event.metadata.context.language)
            print(f"  ┃ {badge} {product.title}{author}  {price}  "
                  f"[{product.category or product.product_type or '-'}]")
    elif isinstance(event, SuggestionsEvent):
        print("\n" + "  ".join(f"› {item}" for item in event.items))
    elif isinstance(event, ErrorEvent):
        print(f"\n! {event.message}", file=sys.stderr)
    elif isinstance(event, TimingEvent):
        if quiet:
            return
        print(f"\n── timing ({event.mode}, {event.backend}) ──")
        if event.backend_note and (event.backend != "offline" or event.backend_note.startswith("auto")):
            print(f"  backend: {event.backend_note}")
        if event.speculation:
            print(f"  speculative search: {event.speculation}")
        for fallback in event.fallbacks:
            print(f"  fallback: {fallback}")
        for call in event.calls:
            tokens = _tokens(call)
            flags = " cached" if call.cached else ""
            flags += " SIMULATED" if call.simulated else ""
            print(f"  model call {call.task:13} {call.duration_ms:8.1f} ms  {tokens}{flags}"
                  + (f"  ! {call.error}" if call.error else ""))
        figures = [("time to first chunk", event.ttfc_ms), ("context", event.context_ms),
                   ("search", event.search_ms), ("products sent at", event.products_ms),
                   ("total", event.total_ms)]
        print("  " + " · ".join(f"{name} {value:.1f} ms" for name, value in figures
                                if value is not None))
        if event.critical_path_ms is not None:
            print(f"  critical path {event.critical_path_ms:.1f} ms "
                  f"({' → '.join(event.critical_path)}) · total / critical path "
                  f"{event.overhead_ratio or 0:.2f} · total / sum of spans "
                  f"{event.parallel_ratio or 0:.2f}")
        scale = max(event.total_ms, 0.001)
        for span in event.spans:
            start = int(40 * span.start_ms / scale)
            width = max(1, int(40 * (span.end_ms - span.start_ms) / scale))
            print(f"  {span.name:12} {' ' * start}{'█' * width} {span.end_ms - span.start_ms:.2f} ms")


def _model_settings(args: argparse.Namespace, settings: Settings) -> ModelSettings:
    """The model settings with --profile and --time-scale applied (validated like the rest)."""
    overrides = {k: v for k, v in (("simulated_profile", args.profile),
                                   ("time_scale", args.time_scale),
                                   ("simulated_disagreement", getattr(args, "disagreement", None)))
                 if v is not None}
    return settings.model.replace(**overrides)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    import logging

    from toolkit.assistant import Assistant

    assistant_settings = settings.assistant
    if args.debug:
        assistant_settings = assistant_settings.replace(debug=True)
    if assistant_settings.debug:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")

    async def turn() -> bool:
        failed = False
        open_line = False  # the answer's last line has not ended yet
        async with await Assistant.aopen(args.db or settings.db_path, settings=assistant_settings,
                                         backend=args.backend, state=args.state,
                                         model_settings=_model_settings(args, settings)) as assistant:
            async for event in assistant.stream(args.message, args.conversation, mode=args.mode):
                failed |= event.type == "error"
                if args.json:
                    print(event.model_dump_json(), flush=True)
                else:
                    _render_event(event, quiet=args.quiet)
                    if event.type == "text":
                        open_line = True
                    elif event.type == "suggestions" or (
                            event.type == "timing" and not args.quiet) or (
                            event.type == "products" and not event.metadata.refines):
                        open_line = False  # these print whole lines
        if open_line:
            print()
        return not failed

    return 0 if asyncio.run(turn()) else 1


def _render_syllabus_event(event: SyllabusEvent) -> None:
    from toolkit.core.events import ErrorEvent
    from toolkit.syllabus.events import (
        ModuleEvent,
        OutlineEvent,
        ProgressEvent,
        SyllabusTimingEvent,
    )

    if isinstance(event, OutlineEvent):
        print(f"# {event.title}\n  {event.audience}")
        if event.note:
            print(f"  note: {event.note}")
        for module in event.modules:
            print(f"  {module.number:2}. {module.title}")
    elif isinstance(event, ModuleEvent):
        took = f"{event.call.duration_ms / 1000:.1f} s" if event.call else "-"
        if event.module is None:
            print(f"✗ module {event.number} failed after {took}: {event.error}")
        elif event.module.fallback:
            print(f"~ module {event.number}: {event.module.title} ({took}) — {event.module.fallback}")
        else:
            print(f"✓ module {event.number}: {event.module.title} ({took})")
    elif isinstance(event, ProgressEvent):
        print(f"  [{'█' * event.done}{'✗' * event.failed}{'·' * (event.total - event.done - event.failed)}]"
              f" {event.done}/{event.total}")
    elif isinstance(event, ErrorEvent):
        print(f"! {event.message}", file=sys.stderr)
    elif isinstance(event, SyllabusTimingEvent):
        simulated = " — SIMULATED latency" if event.simulated else ""
        print(f"\n── timing ({event.mode}, concurrency {event.concurrency}, {event.backend}{simulated}) ──")
        print("  " + " · ".join(f"{k[:-3]} {v / 1000:.2f} s" for k, v in event.phases.items())
              + f" · total {event.total_ms / 1000:.2f} s")
        for call in event.calls:
            tokens = _tokens(call)
            note = f"  ! {call.warning}" if call.warning else ""
            note += f"  ! {call.error}" if call.error else ""
            note += f" -> {call.fallback}" if call.fallback else ""
            print(f"  {call.task:17} {call.duration_ms / 1000:7.2f} s  {tokens}{note}")


def _syllabus(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from toolkit.syllabus import Syllabus, SyllabusGenerator, SyllabusRequest
    from toolkit.syllabus.events import SyllabusDoneEvent
    from toolkit.syllabus.generate import DEFAULT_TIMEOUT_S

    model_settings = _model_settings(args, settings)
    if args.backend == "simulated" and args.profile is None and \
            model_settings.simulated_profile == "groq-llama3-8b":
        # The reference's syllabus model, unless a profile was asked for.
        model_settings = model_settings.replace(simulated_profile="ollama-7b")
    generator = SyllabusGenerator.for_backend(args.backend, model_settings)
    run = generator.run(SyllabusRequest(args.topic, args.modules, args.mode, args.concurrency,
                                        args.language, args.timeout or DEFAULT_TIMEOUT_S))

    async def consume() -> Syllabus | None:
        final = None
        async for event in run:
            if args.json:
                print(event.model_dump_json(), flush=True)
            else:
                _render_syllabus_event(event)
            if isinstance(event, SyllabusDoneEvent):
                final = event.syllabus
        return final

    syllabus = asyncio.run(consume())
    if syllabus is None:
        return 1
    if args.out:
        try:
            args.out.write_text(syllabus.to_markdown(), encoding="utf-8")
        except OSError as e:  # checked before the run, yet it can still fail (disk full, ...)
            where = "in the done event above" if args.json else "printed above instead"
            if not args.json:
                print("\n" + syllabus.to_markdown())
            print(f"error: could not write {args.out}: {e.strerror or e}; the syllabus is "
                  f"{where}", file=sys.stderr)
            return 1
        if not args.json:
            print(f"\nwrote {args.out}")
    elif not args.json:
        print("\n" + syllabus.to_markdown())
    return 0


def _first_run_notice(args: argparse.Namespace, settings: Settings) -> str | None:
    """What a first run on this machine will wait for, silently otherwise (~10 s): building
    the Estonian dictionary, filling a new catalog from the default one."""
    from toolkit.shop import morphology

    waits = [] if morphology.dictionary_ready() else [
        "building the Estonian dictionary (once per machine, about 7 s)"]
    if args.command in ("chat", "search") or getattr(args, "catalog_command", None) == "info":
        db = Path(args.db or settings.db_path)
        try:
            new = not db.exists() or db.stat().st_size == 0
        except OSError:  # unreadable: opening it says what is wrong
            new = False
        if new:
            waits.append(f"filling a new catalog at {db} from the default one (a few seconds)")
    return f"First run: {' and '.join(waits)}…" if waits else None


def _interactive() -> bool:
    return sys.stderr.isatty()


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command != "syllabus" and _interactive() and (
            notice := _first_run_notice(args, settings)):
        print(notice, file=sys.stderr, flush=True)  # a person at a terminal is told why
    if args.command == "chat":
        return _chat(args, settings)
    if args.command == "syllabus":
        return _syllabus(args, settings)
    from toolkit.shop.catalog import Catalog

    db = args.db or settings.db_path
    if args.command == "catalog" and args.catalog_command == "import":
        with Catalog.open(db, seed_default=False) as catalog:
            report = catalog.import_file(args.file)
        print(f"imported {_count(report.rows, 'product')} from {report.path} in "
              f"{report.seconds:.1f} s into {catalog.path}; the previous catalog was replaced")
        if report.encoding:
            print(f"read as {report.encoding} text, fields separated by {report.delimiter!r}")
        if report.ignored_columns:
            print(f"ignored {'column' if len(report.ignored_columns) == 1 else 'columns'}: "
                  f"{', '.join(report.ignored_columns)}")
        return 0
    with Catalog.open(db) as catalog:
        if args.command == "catalog":
            info = catalog.info()
            print(json.dumps(info, ensure_ascii=False, indent=2)) if args.json else _print_info(info)
            return 0
        from toolkit.shop.search import SearchFilters, search_products

        filters = SearchFilters.build(
            min_price=args.min_price, max_price=args.max_price, categories=args.category,
            product_types=args.product_type, authors=args.author, age=args.age,
            exclude_ids=args.exclude,
        )
        result = search_products(catalog, args.query, filters, limit=args.limit, sort=args.sort)
        if args.json:
            print(result.model_dump_json(indent=2))
        else:
            _print_search(result)
        return 0


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """Makes pandas look absent to this process.

    DuckDB imports pandas on the first query with parameters when pandas is installed (about
    0.35 s here), to recognise DataFrames among them; the CLI binds none. Absent, DuckDB tries
    again on each such query, which costs about 0.1 ms: a turn runs a few dozen."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError("the toolkit CLI does not use pandas", name=fullname)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if (shown := _not_utf8(argv)) is not None:
        parser.error(f"'{shown}' is not UTF-8 text: set the terminal to UTF-8, or type it again")
    args = parser.parse_args(argv)
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())
    try:
        return run(args, Settings.from_env())
    except ToolkitError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader (head, less) went away: not an error of ours
        sys.stderr.close()
        return 0
    except Exception as e:
        # DuckDB finds damage deep in a file only when a query reaches it.
        if "duckdb" not in type(e).__module__:
            raise
        print(f"error: the catalog could not be read ({e}); it may be damaged: import the "
              "catalog again, or choose another with --db", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        from toolkit.core import tracing

        tracing.flush()  # a one-shot command delivers its trace (bounded if no one listens)


if __name__ == "__main__":
    sys.exit(main())
