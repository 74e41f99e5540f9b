"""What every command shares: the root group's -C directory and --env, the settings they
name and the store those settings point at (both loaded only when a command asks)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gwctl.config.layout import repository_root
from gwctl.core.durations import parse_lifetime
from gwctl.core.moments import parse_moment, rfc3339
from gwctl.errors import EXIT_USAGE, GwctlError

if TYPE_CHECKING:
    from gwctl.config.settings import Settings
    from gwctl.remote.client import StoreClient


class _ConfigDir(click.Path):
    """A config repository's root; its `gateways.d/` folder stands for it too."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return repository_root(Path(os.fsdecode(super().convert(value, param, ctx))))


if TYPE_CHECKING:  # generic in the stubs of newer click only; pyproject admits click 8.1
    _TextParam = click.ParamType[str, Any]
    _LifetimeParam = click.ParamType[timedelta | None, Any]
else:
    _TextParam = _LifetimeParam = click.ParamType


class Moment(_TextParam):
    """A date or date-time (UTC unless a zone is given), passed on as RFC 3339."""

    name = "moment"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return rfc3339(parse_moment(str(value)))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class Lifetime(_LifetimeParam):
    """How long something lasts: 30m, 12h, 90d, 52w (at most two years), or `never` (None)."""

    name = "lifetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta | None:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_lifetime(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


# ctx.meta key (shared by every context of a run): the --format the command was asked for
FORMAT_META = "gwctl.format"
CONFIG_DIR = _ConfigDir(file_okay=False, dir_okay=True, path_type=Path)


class NoSuchRoot(GwctlError):
    """-C names a folder that does not exist."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Invocation:
    """The global options of one `gwctl` run (click's `ctx.obj`)."""

    root: Path
    environment: str | None

    def settings(self) -> Settings:
        from gwctl.config.settings import load_settings

        return load_settings(self.existing_root(), self.environment)

    def existing_root(self) -> Path:
        """The root, which must exist: a mistyped -C must not grow a new store folder."""
        if not self.root.is_dir():
            raise NoSuchRoot(
                f"{self.root}: no such directory: -C names the config repository's root "
                "(`gwctl init DIR` makes a new one)"
            )
        return self.root

    def store(self, plan_id: str | None = None) -> AbstractContextManager[StoreClient]:
        from gwctl.remote.session import open_store

        return open_store(self.settings(), plan_id)


def accept_global_options(command: click.Command) -> None:
    """Let `command` (and every subcommand of a group) take -C/--directory and --env after
    its name too (`gwctl plan --env production`), as click parses them: hidden, each
    overriding the root's value for this run."""
    command.params += [
        click.Option(
            ["-C", "--directory", "global_root"],
            type=CONFIG_DIR,
            hidden=True,
            expose_value=False,
            callback=_override("root"),
        ),
        click.Option(
            ["--env", "global_environment"],
            hidden=True,
            expose_value=False,
            callback=_override("environment"),
        ),
    ]
    for param in command.params:
        if param.name == "fmt":  # --format: errors follow it (gwctl.cli.main.friendly_errors)
            param.callback = _remember_format(param.callback)
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            accept_global_options(subcommand)


def _remember_format(
    callback: Callable[[click.Context, click.Parameter, Any], Any] | None,
) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        ctx.meta[FORMAT_META] = value
        return callback(ctx, param, value) if callback else value

    return remember


def _override(field: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and isinstance(ctx.obj, Invocation):
            ctx.obj = replace(ctx.obj, **{field: value})
        return value

    return callback
