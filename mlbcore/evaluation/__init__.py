"""Evaluating models the way they would have been used: forward in time."""
