"""homevox: private, fast voice control for an MQTT home."""
