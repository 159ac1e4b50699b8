"""Bridges to the tools a team already uses: Optuna (``hpxplore.integrations.optuna``)."""
