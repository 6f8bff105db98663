"""tasmota adapter (being written)."""
