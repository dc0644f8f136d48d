"""MLB betting-model workbench core."""
