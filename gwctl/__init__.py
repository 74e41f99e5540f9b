"""gwctl: GitOps for SMS gateway accounts (validate, plan, apply against the live store)."""

__version__ = "0.1.0"
