"""Dedup: exact and near duplicates (MinHash bands) decided by a chain of keyed steps."""
