"""homeassistant adapter (being written)."""
