"""Leakage-safe features: every value uses only what was known at the game's cutoff."""
