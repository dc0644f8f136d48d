"""The statistics drift is judged by: the population stability index, the two-sample
Kolmogorov-Smirnov test on present values, and Benjamini-Hochberg's correction for
testing every feature at once."""

import numpy as np
from scipy.stats import ks_2samp

from mlbcore.thresholds import PSI_BINS


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = PSI_BINS) -> float:
    """Population stability index of ``actual`` against ``expected``, on the expected
    sample's quantile bins (missing values are a bin of their own)."""
    expected, actual = np.asarray(expected, float), np.asarray(actual, float)
    present = expected[~np.isnan(expected)]
    if present.size == 0:
        return 0.0
    edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))

    def shares(values: np.ndarray) -> np.ndarray:
        missing = np.isnan(values)
        counts = np.bincount(
            np.searchsorted(edges, values[~missing], side="right"), minlength=edges.size + 1
        )
        counts = np.append(counts, missing.sum()).astype(float)
        return np.clip(counts / max(values.size, 1), 1e-4, None)

    e, a = shares(expected), shares(actual)
    return float(np.sum((a - e) * np.log(a / e)))


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values): a feature is a discovery at false
    discovery rate ``fdr`` exactly when its q-value is at most ``fdr``."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    # Step-up: each q is the smallest scaled p at its rank or above.
    q_sorted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    q = np.empty(m)
    q[order] = q_sorted
    return q


def ks_p_value(old: np.ndarray, new: np.ndarray) -> float:
    """Two-sample KS p-value of the present (non-missing) values; 1 when either side has
    fewer than two."""
    old, new = old[~np.isnan(old)], new[~np.isnan(new)]
    if old.size < 2 or new.size < 2:
        return 1.0
    # The asymptotic distribution: the exact one is slow and warns on tied values.
    return float(ks_2samp(old, new, method="asymp").pvalue)  # pyright: ignore[reportAttributeAccessIssue]  # scipy makes its result classes at run time
