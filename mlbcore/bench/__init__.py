"""Benchmarks that print numbers: training, the feature cache, model quality, replay."""
