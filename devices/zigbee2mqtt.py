"""zigbee2mqtt adapter (being written)."""
