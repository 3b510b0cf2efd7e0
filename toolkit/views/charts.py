"""Altair charts that read without a kernel and without a network.

Altair's default notebook output is HTML that fetches vega-embed from a CDN when the page opens:
on GitHub, on nbviewer or in an offline `nbconvert` render the chart is an empty box. Here each
chart carries two forms side by side: the Vega-Lite spec, for a frontend that draws it live,
and an SVG drawn when the cell runs by `vl-convert` (which bundles Vega and needs
no browser and no network), which any static reader shows.

    from toolkit.views.charts import enable_static_charts
    enable_static_charts()            # every chart displayed from now on carries its SVG
    alt.Chart(df).mark_bar()...       # as usual

`chart_bundle(chart)` gives the same bundle for one chart, e.g. to `display(..., raw=True)`.
"""

from __future__ import annotations

from typing import Any

import altair as alt

# Vega-Lite 6 under the `+json` name nbformat requires for JSON output (Altair's own "mimetype"
# renderer says "v6.json", which a notebook file cannot hold as JSON). JupyterLab 4.6 draws
# Vega-Lite up to v5 only: there the SVG shows, and a frontend that knows v6 draws it live.
VEGALITE_MIME_TYPE = "application/vnd.vegalite.v6+json"
RENDERER = "vegalite+svg"
_VL_VERSION = ".".join(alt.VEGALITE_VERSION.split(".")[:2])  # vl-convert names "6.4", not "6.4.1"


def svg_of_spec(spec: dict[str, Any]) -> str:
    """The chart drawn as SVG by vl-convert, offline (its text takes fonts from the system)."""
    try:
        import vl_convert
    except ImportError as e:  # the [notebook] extra carries it
        raise ImportError("static charts need vl-convert-python: "
                          "pip install -e '.[notebook]'") from e
    return vl_convert.vegalite_to_svg(spec, vl_version=_VL_VERSION)


def bundle_of_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A display bundle: the Vega-Lite spec for live frontends, its SVG for static readers, and
    a line of text for a terminal. No `text/html`: Altair's HTML needs the CDN."""
    title = spec.get("title")
    name = f"chart: {title}" if isinstance(title, str) else "chart"
    return {VEGALITE_MIME_TYPE: spec, "image/svg+xml": svg_of_spec(spec),
            "text/plain": f"<Vega-Lite {name} (drawn as SVG beside its spec)>"}


def chart_bundle(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """One chart's display bundle, e.g. `display(chart_bundle(chart), raw=True)`."""
    return bundle_of_spec(chart.to_dict())


def _renderer(spec: dict[str, Any], **_metadata: Any) -> dict[str, Any]:
    return bundle_of_spec(spec)


def enable_static_charts() -> None:
    """Make every Altair chart displayed from now on carry its SVG beside its spec."""
    alt.renderers.register(RENDERER, _renderer)
    alt.renderers.enable(RENDERER)
