"""Labels, windows, time-series validation, LightGBM training and metrics."""
