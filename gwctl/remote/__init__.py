"""Talking to a store: the HTTP client, which store a command uses, and the embedded store
(the only code besides `gwctl serve` that imports gwctl.store)."""
