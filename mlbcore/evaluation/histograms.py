"""Per-feature histograms of two windows on shared bins, for the drift page's drill-down."""

import numpy as np
import polars as pl

HISTOGRAM_SCHEMA = {
    "feature": pl.String,
    "window": pl.String,
    "bin_low": pl.Float64,
    "bin_high": pl.Float64,
    "share": pl.Float64,
    "games": pl.Int64,
    "missing_share": pl.Float64,
}


def feature_histograms(
    windows: dict[str, pl.DataFrame], features: list[str], bins: int = 20
) -> pl.DataFrame:
    """One row per feature, window and bin: the share of the window's present values in
    the bin (equal-width bins over both windows' range, so the bars line up), with the
    window's game count and missing share. A feature missing everywhere has no rows."""
    parts = []
    for name in features:
        values = {w: frame[name].cast(pl.Float64).to_numpy() for w, frame in windows.items()}
        present = {w: v[~np.isnan(v)] for w, v in values.items()}
        pooled = np.concatenate(list(present.values()))
        if pooled.size == 0:
            continue
        low, high = float(pooled.min()), float(pooled.max())
        edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
        for window, kept in present.items():
            counts = np.histogram(kept, edges)[0]
            total = values[window].size
            parts.append(
                pl.DataFrame(
                    {
                        "feature": name,
                        "window": window,
                        "bin_low": edges[:-1],
                        "bin_high": edges[1:],
                        "share": counts / max(kept.size, 1),
                        "games": total,
                        "missing_share": 1 - kept.size / total if total else 1.0,
                    },
                    schema=HISTOGRAM_SCHEMA,
                )
            )
    return pl.concat(parts) if parts else pl.DataFrame(schema=HISTOGRAM_SCHEMA)
