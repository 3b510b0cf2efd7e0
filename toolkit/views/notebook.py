"""Jupyter views of the event streams, as ipywidgets that update live, and that leave a static
snapshot of their final state for readers without a kernel.

    from toolkit.views.notebook import ChatTurnView, CompareView, SyllabusView, TimingView
    view = ChatTurnView("krimiromaanid alla 20 euro")
    display(view)                                    # live while the turn runs, then:
    await view.consume(assistant.stream("krimiromaanid alla 20 euro", conversation_id="nb"))

Views only render events: they decide nothing. Streaming updates widget *values* (never
`print`, `clear_output` or display handles), so a notebook stays clean under nbval, which
ignores widget views. Every piece of product text is HTML-escaped: a title containing
`<script>` shows as text. The cards are the Streamlit app's (`toolkit.views.html`), with prices
written as the answer writes them, in colours that follow the theme (JupyterLab's dark one too);
the waterfalls are inline SVG (`toolkit.views.waterfall`).

**Without a kernel.** A widget's output is only a reference to a model in the kernel: GitHub,
nbviewer and `nbconvert` show nothing for it. So when its run ends (the turn's `done`, the
syllabus's `done`, the comparison's second timing, a timing shown) a displayed view leaves its
final state in the notebook as plain HTML and SVG (no script, nothing loaded) and closes its
widgets; a live frontend removes the views of closed widgets, so the snapshot takes the live
view's place instead of repeating it. A view is for one run; make a new one for the next. Until
its snapshot, a view's own output carries an empty `text/html`, so a static reader shows
nothing rather than the widget's `repr`.

`run_sync` (from `toolkit.core.aio`) runs a coroutine from code that cannot await;
`allow_nested_loops()` applies nest-asyncio2 for libraries that insist on `asyncio.run` inside
a notebook, and only when called.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable
from typing import Any, cast

import ipywidgets as widgets
from IPython import get_ipython
from IPython.display import display as _display

from toolkit.assistant.assistant import Assistant
from toolkit.assistant.events import (
    DoneEvent,
    Event,
    IntentEvent,
    ProductsEvent,
    SkeletonEvent,
    SuggestionsEvent,
    TextEvent,
    TimingEvent,
)
from toolkit.assistant.turn import Mode
from toolkit.core.aio import allow_nested_loops, run_sync
from toolkit.core.events import ErrorEvent
from toolkit.syllabus.events import (
    ModuleEvent,
    OutlineEvent,
    ProgressEvent,
    SyllabusDoneEvent,
    SyllabusEvent,
    SyllabusTimingEvent,
)
from toolkit.views.html import STYLE as _STYLE
from toolkit.views.html import card_html, cards_html, skeleton_html, waterfall_html
from toolkit.views.html import escape as _e
from toolkit.views.html import ms as _ms
from toolkit.views.html import table as _table
from toolkit.views.waterfall import waterfall_svg

# IPython's `display` has no annotations.
display = cast(Callable[..., None], _display)

__all__ = ["ChatTurnView", "CompareView", "SyllabusView", "TimingView", "allow_nested_loops",
           "card_html", "run_sync", "static_html", "waterfall_html", "waterfall_svg"]


def static_html(widget: Any) -> str:
    """A widget tree as plain HTML: HTML widgets' values, boxes as blocks (an HBox as a row),
    a progress bar as its count. Other widgets have no static form and are left out."""
    if isinstance(widget, widgets.HTML):
        return str(widget.value)
    if isinstance(widget, widgets.IntProgress):
        return (f"<div class='tk-meta'>{_e(widget.description)}: {widget.value} / {widget.max} "
                f"<progress value='{widget.value}' max='{widget.max}'></progress></div>")
    if isinstance(widget, widgets.Box):
        inner = "".join(f"<div>{static_html(child)}</div>" for child in widget.children)
        row = " style='display:flex;gap:24px;flex-wrap:wrap'" if isinstance(
            widget, widgets.HBox) else ""
        return f"<div{row}>{inner}</div>"
    return ""


def _close_tree(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


class _View(widgets.VBox):
    """A live view that, once displayed, leaves a static snapshot when its run ends."""

    _displayed = False

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            self._displayed = True
            bundle["text/html"] = ""  # a static reader shows the snapshot, not the repr
        return bundle

    def snapshot_html(self) -> str:
        """The view's current state as HTML with one style sheet and no script."""
        return (_STYLE + "<div class='tk-snapshot'>"
                + static_html(self).replace(_STYLE, "") + "</div>")

    def leave_snapshot(self) -> None:
        """In a notebook where this view was displayed: display its final state as HTML and
        close its widgets, so the snapshot replaces the live view. Elsewhere: nothing."""
        shell = get_ipython()
        if not self._displayed or shell is None or getattr(shell, "kernel", None) is None:
            return
        display({"text/html": self.snapshot_html(),
                 "text/plain": f"{self!r}: its final state, as HTML"}, raw=True)
        self._displayed = False
        _close_tree(self)


class TimingView(_View):
    """A turn's waterfall with TTFC marked, and the breakdown table."""

    def __init__(self, title: str = "timing") -> None:
        self.title = title
        self.chart = widgets.HTML(value=f"<span class='tk-meta'>{_e(title)}: waiting…</span>")
        self.table = widgets.HTML(value="")
        super().__init__(children=[self.chart, self.table])
        self.event: TimingEvent | None = None

    def __repr__(self) -> str:
        return f"TimingView({self.title!r})"

    def show_timing(self, event: TimingEvent) -> None:
        self.event = event
        simulated = " · SIMULATED latency" if event.simulated else ""
        heading = " · ".join(dict.fromkeys([self.title, event.mode, event.backend]))  # once each
        self.chart.value = waterfall_svg(event.spans, event.total_ms, event.ttfc_ms,
                                         heading + simulated)
        rows = [("time to first chunk", _ms(event.ttfc_ms)), ("context", _ms(event.context_ms)),
                ("search", _ms(event.search_ms)), ("products sent at", _ms(event.products_ms)),
                ("total", _ms(event.total_ms))]
        if event.critical_path_ms is not None:
            rows += [("critical path", f"{_ms(event.critical_path_ms)}: "
                                       + " → ".join(event.critical_path)),
                     ("total / critical path (overhead)", f"{event.overhead_ratio or 0:.2f}"),
                     ("total / sum of spans (parallelism)", f"{event.parallel_ratio or 0:.2f}")]
        if event.speculation:
            rows.append(("speculative search", event.speculation))
        rows += [(f"model call: {c.task}", f"{c.duration_ms:.1f} ms"
                  + (" (cached)" if c.cached else "")) for c in event.calls]
        rows += [("fallback", f) for f in event.fallbacks]
        self.table.value = _STYLE + _table(rows)
        self.leave_snapshot()


class ChatTurnView(_View):
    """One turn, live: intent and decision, skeleton cards becoming product cards, the answer
    streaming in, suggestions, and the timing view."""

    def __init__(self, message: str = "") -> None:
        self.message = message
        self.header = widgets.HTML(value=f"<div class='tk-meta'>you: {_e(message)}</div>" if message
                                   else "<div class='tk-meta'>waiting for a message…</div>")
        self.cards = widgets.HTML(value="")
        self.answer = widgets.HTML(value="")
        self.suggestions = widgets.HTML(value="")
        self.timing = TimingView()
        self.events: list[Event] = []
        self._text = ""
        super().__init__(children=[self.header, self.cards, self.answer, self.suggestions,
                                   self.timing])

    def __repr__(self) -> str:
        return f"ChatTurnView({self.message!r})"

    def render(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, IntentEvent):
            revised = f" (skeleton revised from {event.revised_from})" if event.revised_from else ""
            you = f"you: {_e(self.message)}<br>" if self.message else ""
            self.header.value = (
                f"{_STYLE}<div class='tk-meta'>{you}"
                f"<b>{_e(event.decision)}</b> · intent {_e(event.intent)} · confidence "
                f"{event.confidence:.2f} · {_e(event.language)}{_e(revised)}</div>")
            if event.revised_from:
                self.cards.value = ""
        elif isinstance(event, SkeletonEvent):
            self.cards.value = _STYLE + skeleton_html(event.count)
        elif isinstance(event, ProductsEvent):
            self.cards.value = cards_html(event.products, event.metadata.context.language)
        elif isinstance(event, TextEvent):
            self._text += event.delta
            self.answer.value = f"{_STYLE}<div class='tk-answer'>{_e(self._text)}</div>"
        elif isinstance(event, SuggestionsEvent):
            self.suggestions.value = (_STYLE + "<div class='tk-sugg'>"
                                      + "".join(f"<span>{_e(i)}</span>" for i in event.items) + "</div>")
        elif isinstance(event, ErrorEvent):
            self.answer.value += f"<div class='tk-out'>{_e(event.message)}</div>"
        elif isinstance(event, TimingEvent):
            self.timing.show_timing(event)
        elif isinstance(event, DoneEvent):
            if "products" not in {e.type for e in self.events}:
                self.cards.value = ""  # a skeleton with no products after it goes away
            self.leave_snapshot()

    async def consume(self, stream: AsyncIterable[Event]) -> list[Event]:
        """Render every event of a turn as it arrives; returns the events."""
        async for event in stream:
            self.render(event)
        return self.events


class CompareView(_View):
    """One message, sequential and parallel, waterfalls side by side with the ratio."""

    def __init__(self) -> None:
        self.left, self.right = TimingView("sequential"), TimingView("parallel")
        self.summary = widgets.HTML(value="<span class='tk-meta'>waiting…</span>")
        super().__init__(children=[widgets.HBox([self.left, self.right]), self.summary])

    def __repr__(self) -> str:
        return "CompareView()"

    async def run(self, assistant: Assistant, message: str,
                  conversation_id: str = "compare") -> dict[str, TimingEvent]:
        results: dict[str, TimingEvent] = {}
        modes: tuple[tuple[Mode, TimingView], ...] = (("sequential", self.left),
                                                      ("parallel", self.right))
        for mode, view in modes:
            async for event in assistant.stream(message, f"{conversation_id}-{mode}", mode=mode):
                if isinstance(event, TimingEvent):
                    view.show_timing(event)
                    results[mode] = event
        seq, par = results["sequential"], results["parallel"]
        rows = [("", "sequential / parallel")]
        for name, a, b in (("time to first chunk", seq.ttfc_ms, par.ttfc_ms),
                           ("products", seq.products_ms, par.products_ms),
                           ("total", seq.total_ms, par.total_ms)):
            if a and b:
                rows.append((name, f"{a / b:.2f}x"))
        self.summary.value = _STYLE + _table(rows)
        self.leave_snapshot()
        return results


class SyllabusView(_View):
    """A syllabus run, live: progress bar, module cards as they complete, the per-call waterfall
    and a token table."""

    def __init__(self) -> None:
        self.title = widgets.HTML(value="<span class='tk-meta'>waiting for the outline…</span>")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="modules")
        self.modules = widgets.HTML(value="")
        self.calls = widgets.HTML(value="")
        self.tokens = widgets.HTML(value="")
        super().__init__(children=[self.title, self.progress, self.modules, self.calls,
                                   self.tokens])
        self._cards: dict[int, str] = {}
        self.events: list[SyllabusEvent] = []

    def __repr__(self) -> str:
        return "SyllabusView()"

    def render(self, event: SyllabusEvent) -> None:
        self.events.append(event)
        if isinstance(event, OutlineEvent):
            note = f"<div class='tk-meta'>{_e(event.note)}</div>" if event.note else ""
            self.title.value = f"{_STYLE}<h3>{_e(event.title)}</h3>{note}"
            self.progress.max = len(event.modules)
        elif isinstance(event, ModuleEvent):
            if event.module is None:
                body = f"<b>{event.number}. failed</b><div class='tk-out'>{_e(event.error)}</div>"
            else:
                m = event.module
                topics = "".join(f"<li>{_e(t)}</li>" for t in m.topics[:6])
                fallback = (f"<div class='tk-fallback'>{_e(m.fallback)}</div>" if m.fallback
                            else "")
                body = (f"<b>{m.number}. {_e(m.title)}</b><ul>{topics}</ul>"
                        f"<div class='tk-price'>{m.estimated_hours:g} h</div>{fallback}")
            self._cards[event.number] = f"<div class='tk-card' style='width:230px'>{body}</div>"
            self.modules.value = (_STYLE + "<div class='tk-cards'>"
                                  + "".join(self._cards[n] for n in sorted(self._cards)) + "</div>")
        elif isinstance(event, ProgressEvent):
            self.progress.value = event.done + event.failed
        elif isinstance(event, SyllabusTimingEvent):
            spans = [s for s in event.spans if s.name != "modules"]
            simulated = " · SIMULATED latency" if event.simulated else ""
            self.calls.value = waterfall_svg(
                spans, event.total_ms, None,
                f"{event.mode} · concurrency {event.concurrency} · {event.backend}{simulated}")
            rows = [("call", "prompt + completion tokens")] + [
                (c.task, f"{c.prompt_tokens} + {c.completion_tokens}"
                 + (" (estimated)" if c.tokens_estimated else "")) for c in event.calls]
            self.tokens.value = _STYLE + _table(rows)
        elif isinstance(event, SyllabusDoneEvent):
            self.leave_snapshot()

    async def consume(self, stream: AsyncIterable[SyllabusEvent]) -> list[SyllabusEvent]:
        async for event in stream:
            self.render(event)
        return self.events
