"""Skills: what homevox can do. The list of skills is skills/registry.py."""
