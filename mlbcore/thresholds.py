"""Thresholds that both the judging code (evaluation) and the pictures (charts) use."""

# Importance drift: the nDCG of the newer model's gain ranking scored against the older
# one below this (SageMaker Clarify's attribution-ranking rule), or fewer than
# ``TOP_K_OVERLAP_FLAG`` of the top ``TOP_K`` features shared.
NDCG_FLAG = 0.9
TOP_K = 10
TOP_K_OVERLAP_FLAG = 7
# Population stability bands of credit scoring: drawn and tabled, never the verdict.
PSI_FLAG, PSI_ALERT = 0.1, 0.25
PSI_BINS = 10
