"""`make bench`: gwctl's benchmark against the embedded store and a real uvicorn server.

Run `python -m bench --help`. Generates N accounts with real sops/age-encrypted secret files,
runs every step as a real `gwctl` subprocess (wall time and peak RSS of the child), and times
a naive reference (serial sops through the `bin/sops` shim, one HTTP request per account)
side by side. Never part of `make test`.
"""
