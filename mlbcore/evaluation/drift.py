"""Drift: has what the model leans on changed (feature-importance drift between two
model versions), and has what it sees changed (each feature's distribution in the
training window against the recent window)?

Importance drift is flagged when the nDCG of the newer model's gain ranking scored
against the older one falls below 0.9 (SageMaker Clarify's attribution-ranking rule) or
fewer than 7 of the top 10 features are shared.

Distribution drift is a test, not a threshold: each judged feature gets a two-sample
Kolmogorov-Smirnov p-value (training window against recent window, missing values left
out), and the p-values of all judged features are corrected together by Benjamini-
Hochberg at a false discovery rate (``RetrainingConfig.drift_fdr``, 5 %). A week of about
100 games tested on 65 features would otherwise flag several by chance alone, and PSI's
fixed bands (0.1, 0.25) flag most of them on samples that small. The verdict is "drift"
when at least one feature survives the correction (under no drift at all, that happens
with probability at most the FDR), and "too few games" below
``drift_min_recent_games`` recent games. PSI and the Wasserstein distance stay in the
table as descriptions of how far a feature moved; they do not make the verdict.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from scipy.stats import spearmanr, wasserstein_distance
from sklearn.metrics import ndcg_score

from mlbcore import tracking
from mlbcore.clock import require_positive_days
from mlbcore.data.snapshot import Snapshot
from mlbcore.errors import MlbError
from mlbcore.evaluation.drift_statistics import benjamini_hochberg, ks_p_value, psi
from mlbcore.evaluation.histograms import feature_histograms
from mlbcore.evaluation.source_change import window_source_change
from mlbcore.feature_cache.cached_features import data_and_features
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import RetrainingConfig, Settings
from mlbcore.targets import Target
from mlbcore.thresholds import NDCG_FLAG, TOP_K, TOP_K_OVERLAP_FLAG
from mlbcore.training.as_of import challenger_as_of
from mlbcore.training.windows import coverage

DRIFT, STABLE, TOO_FEW_GAMES = "drift", "stable", "too few games"
DATA_SOURCE_CHANGED = "data source changed"
CALENDAR, DATA_SOURCE = "calendar", "data source"  # levels of features not judged
_DEFAULTS = RetrainingConfig()
# Features that move with the calendar by construction (a September window has more
# games played than a July one): shown, but they do not make the verdict.
CALENDAR_FEATURES = frozenset(
    {"month", "home_games_played", "away_games_played", "home_sp_starts", "away_sp_starts"}
)


@dataclass
class DriftReport:
    importance: dict[str, float]
    importance_changes: pl.DataFrame  # feature, old_share, new_share, change
    distributions: pl.DataFrame  # feature, psi, wasserstein_std, ks_p, bh_q, level
    verdict: str  # "drift", "data source changed", "stable" or "too few games"
    reasons: list[str] = field(default_factory=list)
    reference: str = "previous version"  # what the champion's importance is compared with
    # feature, window (training, recent), bin_low, bin_high, share, games, missing_share
    histograms: pl.DataFrame = field(default_factory=pl.DataFrame)


def importance_drift(
    old: dict[str, float], new: dict[str, float]
) -> tuple[dict[str, float], pl.DataFrame]:
    """Rank correlation, nDCG and top-10 overlap of two models' gain importance, and
    each feature's change in normalised importance (share of total gain)."""
    names = sorted(set(old) | set(new))
    old_gain = np.array([old.get(n, 0.0) for n in names])
    new_gain = np.array([new.get(n, 0.0) for n in names])
    old_share = old_gain / old_gain.sum() if old_gain.sum() else old_gain
    new_share = new_gain / new_gain.sum() if new_gain.sum() else new_gain
    top_old = set(np.array(names)[np.argsort(-old_gain)[:TOP_K]])
    top_new = set(np.array(names)[np.argsort(-new_gain)[:TOP_K]])
    rho = spearmanr(old_gain, new_gain).statistic  # pyright: ignore[reportAttributeAccessIssue]  # scipy makes its result classes at run time
    summary = {
        "spearman": float(rho) if np.isfinite(rho) else 0.0,
        "ndcg": float(ndcg_score([old_share], [new_share])),
        "top10_overlap": float(len(top_old & top_new)),
    }
    changes = (
        pl.DataFrame({"feature": names, "old_share": old_share, "new_share": new_share})
        .with_columns(change=pl.col("new_share") - pl.col("old_share"))
        .sort(pl.col("change").abs(), descending=True)
    )
    return summary, changes


def recent_features(features: pl.DataFrame, as_of: datetime, days: int) -> pl.DataFrame:
    """Features of games whose cutoff passed in the ``days`` before ``as_of``."""
    return features.filter(
        (pl.col("cutoff_utc") > as_of - timedelta(days=days)) & (pl.col("cutoff_utc") <= as_of)
    )


def distribution_drift(
    training: pl.DataFrame,
    recent: pl.DataFrame,
    features: list[str],
    fdr: float = _DEFAULTS.drift_fdr,
    source_features: frozenset[str] | set[str] = frozenset(),
) -> pl.DataFrame:
    """Per feature: PSI and Wasserstein distance (in training standard deviations) to
    describe the move, and the KS p-value with its Benjamini-Hochberg q-value over the
    judged features to judge it: level "drift" when q <= ``fdr``. Calendar features and
    ``source_features`` (moved by a change of data source) are shown, not judged: judged
    features come first, then the data-source ones, then the calendar ones."""
    rows = []
    for name in features:
        old, new = training[name].to_numpy().astype(float), recent[name].to_numpy().astype(float)
        old_present, new_present = old[~np.isnan(old)], new[~np.isnan(new)]
        scale = float(np.std(old_present)) if old_present.size else 0.0
        distance = (
            wasserstein_distance(old_present, new_present) / scale
            if old_present.size and new_present.size and scale > 0
            else 0.0
        )
        rows.append((name, psi(old, new), distance, ks_p_value(old, new)))
    table = pl.DataFrame(
        rows, schema=["feature", "psi", "wasserstein_std", "ks_p"], orient="row"
    ).with_columns(
        unjudged=pl.when(pl.col("feature").is_in(list(CALENDAR_FEATURES)))
        .then(pl.lit(CALENDAR))
        .when(pl.col("feature").is_in(list(source_features)))
        .then(pl.lit(DATA_SOURCE))
    )
    judged = table.filter(pl.col("unjudged").is_null())
    q = pl.DataFrame(
        {"feature": judged["feature"], "bh_q": benjamini_hochberg(judged["ks_p"].to_numpy())},
        schema={"feature": pl.String, "bh_q": pl.Float64},
    )
    return (
        table.join(q, on="feature", how="left", maintain_order="left")
        .with_columns(
            level=pl.when(pl.col("unjudged").is_not_null())
            .then(pl.col("unjudged"))
            .when(pl.col("bh_q") <= fdr)
            .then(pl.lit(DRIFT))
            .otherwise(pl.lit("ok")),
        )
        .with_columns(pl.col("psi", "wasserstein_std").round(4))
        .with_columns(
            order=pl.when(pl.col("unjudged").is_null())
            .then(0)
            .when(pl.col("unjudged") == DATA_SOURCE)
            .then(1)
            .otherwise(2)
        )
        .sort("order", "ks_p", "psi", descending=[False, False, True])
        .drop("unjudged", "order")
    )


def verdict(
    importance: dict[str, float] | None,
    distributions: pl.DataFrame,
    recent_games: int | None = None,
    policy: RetrainingConfig = _DEFAULTS,
    source_reasons: list[str] | None = None,
) -> tuple[str, list[str]]:
    """ "drift" when importance moved or a judged feature survives the Benjamini-Hochberg
    correction (a change of data source, when there is one, is named beside it); else
    "data source changed" when ``source_reasons`` name one; "too few games" when the
    recent window has fewer than ``drift_min_recent_games`` games; else "stable"."""
    source_reasons = source_reasons or []
    reasons = []
    if importance is not None:
        if importance["ndcg"] < NDCG_FLAG:
            reasons.append(f"importance ranking nDCG {importance['ndcg']:.3f} < {NDCG_FLAG}")
        if importance["top10_overlap"] < TOP_K_OVERLAP_FLAG:
            shared = int(importance["top10_overlap"])
            reasons.append(f"only {shared} of the top 10 features shared (< {TOP_K_OVERLAP_FLAG})")
    judged = distributions.filter(~pl.col("level").is_in([CALENDAR, DATA_SOURCE])).height
    if recent_games is not None and recent_games < policy.drift_min_recent_games:
        note = (
            f"too few games to judge feature distributions: {recent_games} recent games "
            f"(needs {policy.drift_min_recent_games})"
        )
        if reasons:
            return DRIFT, [*reasons, *source_reasons, note]
        if source_reasons:
            return DATA_SOURCE_CHANGED, [*source_reasons, note]
        return TOO_FEW_GAMES, [note]
    drifted = distributions.filter(pl.col("level") == DRIFT)["feature"].to_list()
    if drifted:
        reasons.append(
            f"{len(drifted)} of {judged} features differ (KS test, Benjamini-Hochberg at "
            f"FDR {policy.drift_fdr:g}): {', '.join(drifted[:5])}"
            + (" ..." if len(drifted) > 5 else "")
        )
    if reasons:
        return DRIFT, reasons + source_reasons
    return (DATA_SOURCE_CHANGED, source_reasons) if source_reasons else (STABLE, [])


def drift_report(
    settings: Settings,
    target: Target,
    as_of: datetime,
    days: int = 7,
    data: Path | str | None = None,
    loaded: tuple[Snapshot, pl.DataFrame] | None = None,
) -> DriftReport:
    """The champion against its previous version (importance), and the champion's
    training window against the ``days`` before ``as_of`` (distributions of the features
    known at each game's cutoff)."""

    require_positive_days(days)
    snapshot, features = data_and_features(settings, data, loaded)
    recent = recent_features(features, as_of, days)
    if recent.is_empty():
        raise MlbError(
            f"no games in the {days} days before {as_of:%Y-%m-%d %H:%M} UTC; "
            f"{coverage(snapshot.games['date'])}: pick an as-of date inside it"
        )
    tracking.configure(settings)
    champion = tracking.require_champion(target, snapshot.games_source)
    name = tracking.registered_model_name(target.value, champion.source)
    # Each model's market part when it has trees, else its market-free part.
    new_gain = tracking.load_model(champion.uri, settings.training.num_threads).drift_gain()
    reference = "previous version"
    if champion.version > 1:
        previous = tracking.load_model(
            f"models:/{name}/{champion.version - 1}", settings.training.num_threads
        )
    else:
        # No earlier version: a challenger fitted now, on the window ending at as-of.
        previous = challenger_as_of(settings, target, features, snapshot.games, as_of)[1].model
        reference = "a challenger fitted as of now"
    importance, changes = importance_drift(previous.drift_gain(), new_gain)
    start, end = champion.training_dates
    training = features.filter(pl.col("date").is_between(start, end))
    policy = settings.retraining
    names = list(FEATURE_NAMES)
    source = window_source_change(training, recent, names, snapshot.odds_lines)
    distributions = distribution_drift(training, recent, names, policy.drift_fdr, source.features)
    word, reasons = verdict(importance, distributions, recent.height, policy, source.reasons)
    histograms = feature_histograms({"training": training, "recent": recent}, names)
    return DriftReport(importance, changes, distributions, word, reasons, reference, histograms)
