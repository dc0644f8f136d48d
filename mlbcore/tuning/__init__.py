"""`mlb tune`: Optuna studies over a target's LightGBM settings, scored walking forward
through seasons before any the quality bench scores. ``space`` (what is searched),
``storage`` (journal file or PostgreSQL, and the study's identity), ``objective`` (the
tuning seasons and the walk-forward score), ``workers`` (one process's trials), ``run``
(the invocation: workers, signals, the outcome) and ``apply`` (the best settings into
the settings file)."""
