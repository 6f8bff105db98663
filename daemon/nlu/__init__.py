"""Understanding: the intent + slot model, its training data, and the parser the daemon uses."""
