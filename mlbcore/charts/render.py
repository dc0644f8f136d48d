"""A chart as an image: PNG for MLflow, SVG for reports that open offline, both by
vl-convert (no browser, no network)."""

import altair as alt

PNG_SCALE = 2  # crisp on high-density screens


def to_png(chart: alt.TopLevelMixin) -> bytes:
    """The chart as a PNG, rendered here by vl-convert (no browser, no network)."""
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(chart.to_json(), scale=PNG_SCALE))


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as standalone SVG, for reports that must open offline."""
    import vl_convert

    return str(vl_convert.vegalite_to_svg(chart.to_json()))
