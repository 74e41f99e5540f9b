"""Entry point for `python -m gwctl`."""

from gwctl.cli import main

main()
