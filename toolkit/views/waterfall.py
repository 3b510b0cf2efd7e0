"""The timing waterfall as inline SVG: one row a span, bars on one time axis, TTFC as a red line.

SVG rather than positioned `<div>`s because it keeps its geometry in its own attributes: a page
that drops style sheets (GitHub's notebook view, a sanitizer) still draws the bars, and a notebook
read without a kernel shows the same picture as the live view. It loads nothing and runs nothing.

The bars' geometry is the only part that changes from run to run besides the durations, so it
sits in attributes after a `class="tk-bar"` / `class="tk-ttfc"` marker that
`notebooks/sanitize.cfg` can blank for nbval.
"""

from __future__ import annotations

from collections.abc import Sequence

from toolkit.core.timing import Span
from toolkit.views.html import escape

WIDTH = 560
NAME_WIDTH = 130  # the span's name, left of its lane
DURATION_WIDTH = 70  # its duration, right of its lane
ROW = 18
BAR = 12
LANE = WIDTH - NAME_WIDTH - DURATION_WIDTH
BAR_COLOUR = "#4a7bd0"  # readable on light and dark backgrounds alike
TTFC_COLOUR = "#d33"


def _x(ms: float, scale: float) -> float:
    return NAME_WIDTH + LANE * min(max(ms, 0.0), scale) / scale


def waterfall_svg(spans: Sequence[Span], total_ms: float, ttfc_ms: float | None = None,
                  title: str = "") -> str:
    """Spans as bars on one axis from 0 to `total_ms`, in the order they started; text takes
    the page's colour."""
    spans = sorted(spans, key=lambda span: span.start_ms)
    scale = max(total_ms, 0.001)
    top = ROW if title else 0
    axis = top + ROW * len(spans)
    height = axis + ROW
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="tk-waterfall" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(title or "timing waterfall")}" font-family="monospace" '
             f'font-size="11" fill="currentColor">']
    if title:
        parts.append(f'<text x="0" y="{ROW - 5}" font-family="sans-serif" font-size="12">'
                     f'{escape(title)}</text>')
    for row, span in enumerate(spans):
        y = top + row * ROW
        left = _x(span.start_ms, scale)
        width = max(1.0, _x(span.end_ms, scale) - left)
        duration = f"{span.duration_ms:.1f} ms"
        parts.append(
            f'<g class="tk-span"><text x="0" y="{y + BAR}">{escape(span.name[:18])}</text>'
            f'<rect x="{NAME_WIDTH}" y="{y + 2}" width="{LANE}" height="{BAR}" '
            f'fill="currentColor" fill-opacity="0.12"/>'
            f'<rect class="tk-bar" x="{left:.1f}" width="{width:.1f}" y="{y + 2}" height="{BAR}" '
            f'rx="2" fill="{BAR_COLOUR}"><title>{escape(span.name)}: {duration}</title></rect>'
            f'<text x="{WIDTH}" y="{y + BAR}" text-anchor="end">{duration}</text></g>')
    if ttfc_ms is not None and spans:
        parts.append(f'<line class="tk-ttfc" x1="{_x(ttfc_ms, scale):.1f}" '
                     f'x2="{_x(ttfc_ms, scale):.1f}" y1="{top}" y2="{axis + 4}" '
                     f'stroke="{TTFC_COLOUR}" stroke-width="2"><title>time to first chunk: '
                     f'{ttfc_ms:.1f} ms</title></line>')
    ttfc_label = (f'<tspan fill="{TTFC_COLOUR}"> · red line: time to first chunk</tspan>'
                  if ttfc_ms is not None and spans else "")
    parts.append(f'<text x="{NAME_WIDTH}" y="{height - 4}">0{ttfc_label}</text>'
                 f'<text x="{NAME_WIDTH + LANE}" y="{height - 4}" text-anchor="end">'
                 f'{total_ms:.1f} ms</text></svg>')
    return "".join(parts)
