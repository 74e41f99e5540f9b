"""Entry point for `python -m gwctl`."""

from gwctl.cli.main import main

main()
