"""generic adapter (being written)."""
