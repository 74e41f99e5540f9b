"""Desired state against live state: the pure diff, safety, apply, drift, import and the
plan/apply workflow. It talks to the store only through the client it is given."""
