"""An example for each command's `--help`, shown under "Examples" (click's epilog): the
commands' docstrings say what they do, these show the typical call."""

from __future__ import annotations

import click

EXAMPLES: dict[str, tuple[str, ...]] = {
    "apply": (
        "gwctl apply                                 # plan, show, ask, apply",
        "gwctl apply plan.json --require-clean       # CI: exactly the reviewed plan",
        "gwctl apply --auto-approve --verify         # prove the credentials first",
    ),
    "audit checkpoint": ("gwctl audit checkpoint -o checkpoints/$(date +%F).json",),
    "audit verify": (
        "gwctl audit verify --checkpoint checkpoints/*.json --public-key store-signing.pem",
        "gwctl audit verify --format json",
    ),
    "drift": ("gwctl drift || echo 'someone changed the store outside gwctl'",),
    "fingerprint-key create": (
        "gwctl fingerprint-key create && git add gateways.d/_fingerprint-key.secret.yaml",
    ),
    "history": (
        "gwctl history infobip-eu",
        "gwctl history --since 2026-12-01 --format csv > audit.csv",
    ),
    "import": ("gwctl import infobip-legacy", "gwctl import --all"),
    "lock release": ("gwctl lock release --force   # after an apply was killed",),
    "lock status": ("gwctl lock status --format json",),
    "plan": (
        "gwctl plan",
        "gwctl plan --format markdown --detailed-exitcode -o plan.json > plan.md",
        "gwctl --env production plan",
    ),
    "providers": ("gwctl providers --format json",),
    "schema": (
        "gwctl schema twilio",
        "gwctl schema --write schema   # the copies your editor reads",
    ),
    "serve": (
        "gwctl serve --init                          # a new store: prints an admin token",
        "gwctl serve --db postgresql+psycopg://gwctl@db/gwctl --key-file /etc/gwctl/store.key",
    ),
    "store rotate-key": (
        "gwctl store rotate-key                      # the embedded store",
        "GWCTL_STORE_KEY_FILE=/etc/gwctl/store.key gwctl store rotate-key --db $GWCTL_DB_URL",
    ),
    "store signing-key": ("gwctl store signing-key > store-signing.pem",),
    "store token create": (
        "gwctl store token create ci-plan --role read --expires 90d",
        "gwctl store token create ci-apply --role admin --expires 52w",
    ),
    "store token list": ("gwctl store token list --format json",),
    "store token revoke": ("gwctl store token revoke ci-plan",),
    "store user create": (
        "gwctl store user create alice --role admin   # asks for the password twice",
        "printf '%s\\n' \"$PASSWORD\" | gwctl store user create bob --role read --password-stdin",
    ),
    "store user disable": ("gwctl store user disable bob   # signed out at once",),
    "store user enable": ("gwctl store user enable bob   # signs in again with the same password",),
    "store user set-role": ("gwctl store user set-role bob --role admin",),
    "store user reset-password": (
        "gwctl store user reset-password bob   # asks for the new password twice",
        "printf '%s\\n' \"$PASSWORD\" | gwctl store user reset-password bob --password-stdin",
    ),
    "store user list": ("gwctl store user list --format json",),
    "validate": (
        "gwctl validate",
        "gwctl validate gateways.d --format github   # annotations in a pull request",
        "gwctl validate --decrypt                    # check the credentials too",
    ),
}


def add_examples(command: click.Command, path: str = "") -> None:
    """Give `command` (and a group's subcommands) its examples, unless its help has one."""
    name = f"{path} {command.name}".strip()
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            add_examples(subcommand, name)
        return
    lines = EXAMPLES.get(name)
    if lines and "Example" not in (command.help or ""):
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
