"""Writes the notebooks' cells and executes them, so the committed outputs are real.

    .venv/bin/python notebooks/build.py          # all notebooks
    .venv/bin/python notebooks/build.py 03       # the ones whose name starts with 03

Edit the cells here, not in the .ipynb files. Outputs come from executing each notebook top to
bottom in a fresh kernel (the offline backend unless TOOLKIT_NOTEBOOK_BACKEND says otherwise);
`.venv/bin/python -m pytest notebooks` then re-runs them under nbval and compares the outputs
(volatile figures through notebooks/sanitize.cfg), and tests/test_notebook_static.py renders
them without a kernel or a network, as GitHub and nbviewer do, and looks at them in Chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
IGNORE = "# NBVAL_IGNORE_OUTPUT\n"
# Every view closes its widgets when its run ends and leaves its final state as HTML
# (toolkit.views.notebook), so no widget state is saved, and a widget output is saved as JupyterLab
# saves the view of a closed widget: with an empty model id, which a live frontend hides and a
# static reader (nbconvert, nbviewer) passes over for the output's text/html.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

SETUP = '''import os, tempfile
from pathlib import Path
from toolkit import Assistant, AssistantSettings, ModelSettings

# Notebooks run offline unless TOOLKIT_NOTEBOOK_BACKEND names another backend (simulated, ollama,
# groq, auto). Each runs on a catalog file of its own, made from the default catalog.
BACKEND = os.environ.get("TOOLKIT_NOTEBOOK_BACKEND", "offline")
WORK = Path(tempfile.mkdtemp(prefix="toolkit-notebook-"))'''

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01_quickstart": [
        ("md", "# Quickstart: one turn of the shop assistant\n\nThe assistant turns a shopper's "
               "message into a stream of typed events: `intent`, `skeleton`, `text`, `products`, "
               "`suggestions`, `timing`, `done`. This notebook runs one turn, looks at its events, "
               "and shows the views that render them live."),
        ("code", SETUP + '''
assistant = Assistant.open(WORK / "shop.duckdb", backend=BACKEND,
                           model_settings=ModelSettings(cache=True))
assistant.backend'''),
        ("md", "A view of the turn fills in as the events arrive. When the turn is done it "
               "leaves its final state as HTML in place of the live widgets, so the notebook "
               "reads the same on GitHub or nbviewer, without a kernel."),
        ("code", '''from toolkit.views.notebook import ChatTurnView

view = ChatTurnView("krimiromaanid alla 20 euro")
display(view)
events = await view.consume(assistant.stream("krimiromaanid alla 20 euro",
                                            conversation_id="quickstart"))'''),
        ("code", '''[e.type for e in events if e.type != "text"]'''),
        ("md", "The intent event carries the decision and the signals behind it:"),
        ("code", '''intent = events[0] if events[0].type == "intent" else next(e for e in events if e.type == "intent")
intent.decision, intent.intent, {k: v for k, v in intent.signals.items() if v}'''),
        ("md", "The cards, and the answer that streamed around them (cards come after the opening sentence):"),
        ("code", '''products = next(e for e in events if e.type == "products").products
[(p.title, p.author, p.price, p.in_popular_list) for p in products]'''),
        ("code", '''print("".join(e.delta for e in events if e.type == "text"))'''),
        ("md", "Every figure is measured: time to first chunk, each step's span, the total."),
        ("code", '''timing = events[-2]
print(f"TTFC {timing.ttfc_ms:.1f} ms · search {timing.search_ms:.1f} ms · total {timing.total_ms:.1f} ms")
sorted({s.name for s in timing.spans})'''),
        ("md", "From code that cannot `await`, `ask` runs the whole turn and returns its result:"),
        ("code", '''more = assistant.ask("näita veel", conversation_id="quickstart")
more.decision, [p.title for p in more.products]'''),
    ],
    "02_parallel_vs_sequential": [
        ("md", "# Parallel against sequential\n\nWith an offline backend every step takes well "
               "under a millisecond, so the orchestrators are even. With a slow model the parallel "
               "one wins: it sends the skeleton before the model has answered, runs the search and "
               "the answer on the rules' reading meanwhile, and keeps them when the model agrees. "
               "Here the model is **simulated**: an 8B model on Groq (about 0.9 s a context "
               "extraction), sped up ten times."),
        ("code", SETUP + '''
from toolkit.llm import OfflineBackend, SimulatedBackend

slow = SimulatedBackend(OfflineBackend(), "groq-llama3-8b", time_scale=0.1, seed=1)
assistant = Assistant.open(WORK / "shop.duckdb", backend=slow, model_settings=ModelSettings())
assistant.backend'''),
        ("code", '''from toolkit.views.notebook import CompareView

compare = CompareView()
display(compare)
results = await compare.run(assistant, "krimiromaanid alla 20 euro")
for mode, t in results.items():
    print(f"{mode:10} TTFC {t.ttfc_ms:7.1f} ms · products at {t.products_ms:7.1f} ms · total {t.total_ms:7.1f} ms")'''),
        ("md", "Where the time went, step by step (parallel spans overlap):"),
        ("code", '''for mode, t in results.items():  # in the order the steps started
    print(mode, "→", ", ".join(s.name for s in sorted(t.spans, key=lambda s: s.start_ms)))
results["parallel"].speculation'''),
        ("md", "Five messages, both modes, side by side: the time to first chunk and the total."),
        ("code", '''import statistics
messages = ["krimiromaanid alla 20 euro", "fantasy books for a 12 year old", "Tammsaare raamatud",
            "lauamängud perele 20-40€", "kingitus emale sünnipäevaks"]
rows = []
for i, message in enumerate(messages):
    for mode in ("sequential", "parallel"):
        result = await assistant.stream(message, f"sweep-{mode}-{i}", mode=mode)
        rows.append({"message": message, "mode": mode, "ttfc_ms": result.timing.ttfc_ms,
                     "total_ms": result.timing.total_ms})
for mode in ("sequential", "parallel"):
    mine = [r for r in rows if r["mode"] == mode]
    print(f"{mode:10} median TTFC {statistics.median(r['ttfc_ms'] for r in mine):7.1f} ms · "
          f"median total {statistics.median(r['total_ms'] for r in mine):7.1f} ms")'''),
        ("code", IGNORE + '''import altair as alt, pandas as pd
from toolkit.views.charts import enable_static_charts
enable_static_charts()  # each chart carries an SVG beside its spec: it draws without a CDN
alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
    x=alt.X("total_ms:Q", title="whole turn, ms (simulated latency)"), y=alt.Y("mode:N"),
    row=alt.Row("message:N", header=alt.Header(labelAngle=0, labelAlign="left"), title=None),
    color="mode:N").properties(height=40)'''),
    ],
    "03_search_and_memory": [
        ("md", "# Search and memory\n\nThe catalog is a DuckDB file with a full-text index over "
               "Estonian and English text. `search_products` ranks with BM25, filters, reranks by "
               "popularity and budget fit, and keeps the top from being one author's shelf."),
        ("code", SETUP + '''
from toolkit import Catalog, SearchFilters, search_products
catalog = Catalog.open(WORK / "shop.duckdb")
info = catalog.info()
info["products"], len(info["categories"]), info["price_min"], info["price_max"]'''),
        ("md", "Inflected Estonian, compounds and English all find the crime shelf:"),
        ("code", '''for query in ["krimiromaanid", "põnevikud", "crime novels"]:
    hits = search_products(catalog, query, limit=3).products
    print(f"{query:14} →", [(h.title, h.category) for h in hits])'''),
        ("md", "Filters: budget, age, product type; and what the search tells when a budget cannot be met."),
        ("code", '''import pandas as pd
result = search_products(catalog, "fantaasia", SearchFilters(max_price=15, age=12), limit=5)
pd.DataFrame([h.model_dump(include={"title", "author", "price", "category", "age_min"})
              for h in result.products])'''),
        ("code", '''tight = search_products(catalog, "Sõrmuste isand", SearchFilters(max_price=5), limit=3)
[w.code for w in tight.warnings], [(h.title, h.price, h.outside_budget) for h in tight.products]'''),
        ("md", "## A conversation with memory\n\nFollow-ups are resolved from the conversation "
               "before any search: show more (nothing shown twice), cheaper (ceiling = floor(0.7 × "
               "the average shown price)), the cheapest, and the same author."),
        ("code", '''assistant = Assistant(catalog, settings=AssistantSettings())

def turn(message):
    result = assistant.ask(message, conversation_id="memory-demo")
    print(f"» {message}  [{result.decision}]")
    for p in result.products:
        print(f"   {p.price:6.2f} €  {p.title} — {p.author}")
    return result

first = turn("krimiromaanid")
more = turn("näita veel")
cheaper = turn("odavamaid")
cheaper.intent.context.budget'''),
        ("code", '''same = turn("Tammsaare raamatud")
theirs = turn("tema teosed")
{p.author for p in theirs.products}'''),
        ("code", '''[(row["turn"], row["message"], row["decision"]) for row in assistant.memory.history("memory-demo")]'''),
    ],
    "04_syllabus": [
        ("md", "# Syllabus generation\n\nOne outline call, one call per module (each prompt "
               "carries the whole outline), a finalization with no model. Offline, templates write "
               "it; with a **simulated** 7B model on Ollama (about 18 s a call, here sped up 200 "
               "times) the timing has the reference's shape."),
        ("code", SETUP + '''
from toolkit.llm import ModelClient, OfflineBackend, SimulatedBackend
from toolkit.views.notebook import SyllabusView
from toolkit.syllabus import SyllabusGenerator, SyllabusRequest

generator = SyllabusGenerator.for_backend(BACKEND)'''),
        ("code", '''view = SyllabusView()
display(view)
syllabus = None
async for event in generator.run(SyllabusRequest("andmeteadus", modules=6, language="et")):
    view.render(event)
    if event.type == "done":
        from toolkit.syllabus import Syllabus
        syllabus = Syllabus.model_validate(event.syllabus)
[m.title for m in syllabus.modules], syllabus.total_hours, syllabus.overlaps'''),
        ("code", '''print(syllabus.to_markdown()[:700])'''),
        ("md", "## Sequential against parallel, and a concurrency sweep (simulated latency)"),
        ("code", '''import math

def simulated_generator(seed):
    offline = OfflineBackend()
    return SyllabusGenerator(ModelClient(SimulatedBackend(offline, "ollama-7b", time_scale=0.005,
                                                          seed=seed)), offline)

sweep = []
for k, mode in [(1, "sequential"), (1, "parallel"), (2, "parallel"), (3, "parallel"), (4, "parallel"), (8, "parallel")]:
    run = simulated_generator(k).run(SyllabusRequest("data science", modules=8, mode=mode, concurrency=k))
    await run.result()
    timing = next(e for e in run.events if e.type == "timing")
    sweep.append({"mode": mode, "k": k, "wall_ms": timing.total_ms,
                  "rounds": 8 if mode == "sequential" else math.ceil(8 / k)})
for row in sweep:
    print(f"{row['mode']:10} k={row['k']}  {row['wall_ms']:7.1f} ms  ({row['rounds']} rounds of module calls)")'''),
        ("code", IGNORE + '''import altair as alt, pandas as pd
from toolkit.views.charts import enable_static_charts
enable_static_charts()  # each chart carries an SVG beside its spec: it draws without a CDN
alt.Chart(pd.DataFrame(sweep)).mark_line(point=True).encode(
    x=alt.X("k:O", title="concurrency"), y=alt.Y("wall_ms:Q", title="wall time, ms (simulated, x0.005)"),
    color="mode:N")'''),
    ],
    "05_validation_and_routing": [
        ("md", "# Validation and routing\n\nEvery message is validated (nonsense fails fast), "
               "read into a structured context, and routed: `search`, `clarify`, "
               "`conversational`, `inquiry` or `refine`. The decision matrix over many messages:"),
        ("code", SETUP + '''
import pandas as pd
assistant = Assistant.open(WORK / "shop.duckdb", settings=AssistantSettings())
messages = [
    "krimiromaanid alla 20 euro", "crime novels under €20", "kingitus emale sünnipäevaks",
    "a birthday gift for my mother", "Otsin kingitust", "I need a gift", "näita kingitusi",
    "show me gifts", "Tere!", "Hello", "aitäh", "mida sa oskad?", "Tammsaare raamatud",
    "books by Astrid Lindgren", "raamat 10-aastasele", "alla 15 euro", "1984",
    "asdfghjkl", "qwerty", "12345678", "!!!", "ASDFGHJKL12345", "KRIMIROMAANID",
]
rows = []
for i, message in enumerate(messages):
    result = assistant.ask(message, conversation_id=f"matrix-{i}")
    rows.append({"message": message, "decision": result.decision, "intent": result.intent.intent,
                 "skeleton": any(e.type == "skeleton" for e in result.events),
                 "products": len(result.products), "language": result.intent.language})
pd.DataFrame(rows)'''),
        ("md", "A follow-up needs something to follow: the same words route differently with memory."),
        ("code", '''for message in ["näita veel", "Kas see sobib 10-aastasele?", "tema teosed"]:
    fresh = assistant.ask(message, conversation_id=f"fresh-{message}")
    print(f"{message:28} new conversation → {fresh.decision}")
assistant.ask("Tammsaare raamatud", conversation_id="warm")
for message in ["näita veel", "Kas see sobib 10-aastasele?", "tema teosed"]:
    warm = assistant.ask(message, conversation_id="warm")
    print(f"{message:28} after a search   → {warm.decision}")'''),
        ("md", "What the context extraction read from one message:"),
        ("code", '''result = assistant.ask("fantaasia raamat 12-aastasele alla 25 euro", conversation_id="ctx")
result.intent.context.model_dump(exclude_defaults=True)'''),
    ],
    "06_bring_your_own_catalog": [
        ("md", "# Bring your own catalog\n\nA catalog is a CSV or Parquet file with `id`, `title` "
               "and `price`, and optionally `author`, `description`, `product_type`, `category`, "
               "`language`, `age_min`, `age_max`, `in_popular_list`, `image_url`. Import is all or "
               "nothing."),
        ("code", SETUP + '''
import csv
from toolkit import Catalog, CatalogImportError, search_products
rows = [
    {"id": "T1", "title": "The Lighthouse Keeper", "author": "Ann Shore", "price": "14.90",
     "category": "Fiction", "description": "A quiet novel about the sea and a lonely keeper."},
    {"id": "T2", "title": "Sourdough at Home", "author": "Ben Crumb", "price": "24.00",
     "category": "Cooking", "description": "Bread recipes for beginners, step by step."},
    {"id": "T3", "title": "Stars for Children", "author": "Cleo Sky", "price": "9.50",
     "category": "Children", "description": "A picture book about the night sky.", "age_min": "5"},
    {"id": "T4", "title": "<script>alert('x')</script> Mug", "price": "8", "category": "Gifts",
     "description": "A mug whose title is not HTML."},
]
shop_file = WORK / "my-shop.csv"
with shop_file.open("w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=["id", "title", "author", "price", "category", "description", "age_min"])
    writer.writeheader(); writer.writerows(rows)
catalog = Catalog.open(WORK / "my-shop.duckdb", seed_default=False)
report = catalog.import_file(shop_file)
report.rows, report.ignored_columns'''),
        ("code", '''for query in ["sea novel", "bread", "books for kids about stars"]:
    print(f"{query:28} →", [h.title for h in search_products(catalog, query, limit=2).products])'''),
        ("md", "Product text is escaped wherever it becomes HTML: the card shows the title as text."),
        ("code", '''from toolkit.views.notebook import card_html
print(card_html(search_products(catalog, "mug").products[0]))'''),
        ("md", "A bad file is refused with the column, row and value, and the catalog stays as it was:"),
        ("code", '''bad = WORK / "bad.csv"
bad.write_text("id,title,price\\nB1,Fine,5\\nB2,Broken,five euros\\nB1,Again,3\\n")
try:
    catalog.import_file(bad)
except CatalogImportError as e:
    print("\\n".join(e.problems))
catalog.info()["products"]'''),
        ("md", "The assistant works on the new catalog as it is:"),
        ("code", '''assistant = Assistant(catalog, settings=AssistantSettings())
result = assistant.ask("a cookbook under 30 euros", conversation_id="byoc")
result.decision, [p.title for p in result.products]'''),
    ],
}


def build(name: str, cells: list[tuple[str, str]]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell(src) if kind == "md" else
                      nbformat.v4.new_code_cell(src) for kind, src in cells]
    path = HERE / f"{name}.ipynb"
    NotebookClient(notebook, timeout=600, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(HERE)}}).execute()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output["data"][WIDGET_VIEW]["model_id"] = ""
    nbformat.write(notebook, path)
    return path


def main(argv: list[str]) -> None:
    for name, cells in NOTEBOOKS.items():
        if not argv or any(name.startswith(prefix) for prefix in argv):
            print("built", build(name, cells).relative_to(HERE.parent))


if __name__ == "__main__":
    main(sys.argv[1:])
