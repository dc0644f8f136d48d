"""The model lifecycle: decisions, retraining, schedules, the scheduler and replay."""
