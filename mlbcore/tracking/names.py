"""The registry's names: a target's registered model per source of games, its aliases
and the tags the project sets on versions and on the experiment."""

REGISTERED_MODEL_PREFIX = "mlb-"
CHAMPION, PREVIOUS_CHAMPION = "champion", "previous_champion"
# Model version tags: the saved model's files and their SHA-256, and why a version must
# never be served (its artifacts are incomplete, or its run never finished).
ARTIFACT_DIGESTS, UNUSABLE = "artifact_sha256", "unusable"
# Experiment tag: the champion moves a job has decided on, while it makes them.
PENDING_PROMOTION = "mlb.pending_promotion"
# Version tags of the champion's moves: why it became champion, why it was replaced, and
# why a user rolled it back (a rolled-back version is never the champion of a past date).
PROMOTED, REPLACED, ROLLED_BACK = "promoted_reason", "replaced_reason", "rolled_back_reason"
REJECTED = "rejected_reason"


def registered_model_name(target: str, source: str) -> str:
    return f"{REGISTERED_MODEL_PREFIX}{source}-{target}"
