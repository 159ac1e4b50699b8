"""Importers: one module per source (CSV tables, Ax JSON snapshots, Optuna storages)."""
