"""Shared code of the Python jobs: warehouse connections, bar loading, synthetic data."""
