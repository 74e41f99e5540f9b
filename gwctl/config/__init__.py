"""The config repository on disk, never the store: strict YAML, the loader and its checks,
sops secrets, gwctl.yaml settings, validate, and the files init and add write."""
