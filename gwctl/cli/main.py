"""The `gwctl` command line: parses arguments, calls one module function, prints, exits."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from gwctl import __version__
from gwctl.cli.output.problems import FORMATS, render_problems
from gwctl.config.ci_templates import CI_KINDS
from gwctl.config.settings import Settings, load_settings
from gwctl.core.heap import tune_for_command
from gwctl.core.private_dir import make_private_dir
from gwctl.core.problems import ConfigError
from gwctl.core.providers import COMMON_SCHEMA, load_providers, read_schema_file
from gwctl.errors import EXIT_INTERRUPTED, GwctlError
from gwctl.remote.client import StoreClient

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INVALID = 1
CONFIG_DIR = click.Path(file_okay=False, dir_okay=True, path_type=Path)


def friendly_errors(command: F) -> F:
    """Turn every failure into a one-line message and exit code 1, never a traceback.

    An unexpected exception is reported by its type only: its text could hold anything,
    including a credential value.
    """

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except ConfigError as exc:  # its problems, one per line, each with its location
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except GwctlError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # the last line of defence: users never see a traceback
            click.echo(
                f"internal error ({type(exc).__name__}): please report it with the command you ran",
                err=True,
            )
        sys.exit(EXIT_INVALID)

    return wrapper  # type: ignore[return-value]


EXIT_CHANGES = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gwctl")
@click.option(
    "-C",
    "--directory",
    "root",
    type=CONFIG_DIR,
    default=".",
    show_default=True,
    help="The config repository's root (holds gateways.d/ and gwctl.yaml).",
)
@click.option(
    "--env",
    "environment",
    default=None,
    help="A named environment of gwctl.yaml (e.g. staging, production).",
)
@click.pass_context
def cli(ctx: click.Context, root: Path, environment: str | None) -> None:
    """GitOps for SMS gateway accounts: validate, plan and apply gateways.d/ against the store.

    The store is the one gwctl.yaml or GWCTL_STORE_URL names (token in GWCTL_TOKEN), else
    the embedded store under .gwctl/.
    """
    ctx.obj = {"root": root, "environment": environment}


def _settings(ctx: click.Context) -> Settings:
    return load_settings(ctx.obj["root"], ctx.obj["environment"])


@contextmanager
def _store(ctx: click.Context, plan_id: str | None = None) -> Iterator[StoreClient]:
    from gwctl.remote.session import open_store

    with open_store(_settings(ctx), plan_id) as client:
        yield client


def _colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


PROGRESS_MIN_FILES = 20  # below this a run is quick enough to need no progress bar


@contextmanager
def _decrypt_progress() -> Iterator[Callable[[int], Callable[[int], None]] | None]:
    """A progress bar for decrypting many secret files, on a terminal only."""
    if not sys.stderr.isatty():
        yield None
        return
    with ExitStack() as bars:

        def start(total: int) -> Callable[[int], None]:
            if total < PROGRESS_MIN_FILES:
                return lambda _done: None
            bar = bars.enter_context(
                click.progressbar(length=total, label="decrypting secret files", file=sys.stderr)
            )
            return bar.update

        yield start


@cli.command()
@click.argument("directory", type=CONFIG_DIR, required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for pull-request annotations.",
)
@click.option(
    "--decrypt",
    is_flag=True,
    help="Also decrypt the secret files (needs the sops key) and check the values.",
)
@click.pass_context
@friendly_errors
def validate(ctx: click.Context, directory: Path | None, fmt: str, decrypt: bool) -> None:
    """Check every account in DIRECTORY/gateways.d: schema, names, logos, secrets.

    DIRECTORY defaults to the -C directory (the current one unless given). Works without
    the decryption key (secret files are checked for encryption and field names);
    --decrypt checks the values too. Exit 0 when valid, 1 when not.
    """
    from gwctl.config.validate import validate as run_validation

    config = run_validation(directory or ctx.obj["root"], decrypt=decrypt)
    click.echo(render_problems(config.problems, fmt, len(config.accounts)))
    sys.exit(0 if config.valid else EXIT_INVALID)


@cli.command()
@friendly_errors
def providers() -> None:
    """List the gateway providers and their credential fields."""
    for provider in load_providers().values():
        fields = ", ".join(
            f"{field.name} ({field.title}; {field.column} column, "
            f"{'secret' if field.secret else 'shown in clear'})"
            for field in provider.credentials
        )
        click.echo(f"{provider.id:<12} {provider.company_name:<12} {fields}")


@cli.command()
@click.argument("provider", required=False)
@click.option(
    "--write",
    "write_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    help="Write the editor's copies of all schemas into DIR instead (in a config "
    "repository: --write schema, where the account files' first line points).",
)
@friendly_errors
def schema(provider: str | None, write_dir: Path | None) -> None:
    """Print the JSON Schema of PROVIDER, or all schemas keyed by file name; with --write,
    write the editor's copies of the schemas instead."""
    if write_dir is not None:
        from gwctl.config.editor_schemas import write_editor_schemas

        if provider is not None:
            raise click.UsageError("--write writes every provider's schema: leave out PROVIDER")
        for path in write_editor_schemas(write_dir):
            click.echo(f"wrote {path}")
        return
    known = load_providers()
    if provider is None:
        names = [COMMON_SCHEMA] + [f"{pid}.schema.json" for pid in known]
        click.echo(
            json.dumps(
                {name: read_schema_file(name) for name in names}, indent=2, ensure_ascii=False
            )
        )
        return
    if provider not in known:
        raise click.BadParameter(
            f"unknown provider {provider!r}; known: {', '.join(known)}", param_hint="PROVIDER"
        )
    click.echo(
        json.dumps(read_schema_file(f"{provider}.schema.json"), indent=2, ensure_ascii=False)
    )


@cli.command()
@click.argument("directory", type=CONFIG_DIR, required=False)
@click.option(
    "--age",
    "recipients",
    multiple=True,
    metavar="AGE1...",
    help="An age public key to encrypt the secret files to (repeatable); default: "
    "the public key of your identity in SOPS_AGE_KEY_FILE.",
)
@click.option(
    "--ci",
    multiple=True,
    type=click.Choice(CI_KINDS),
    help="Also write the CI files of that system (repeatable).",
)
@click.pass_context
@friendly_errors
def init(
    ctx: click.Context, directory: Path | None, recipients: tuple[str, ...], ci: tuple[str, ...]
) -> None:
    """Make a new config repository in DIRECTORY (default: -C): gateways.d/, .sops.yaml,
    gwctl.yaml, .gitignore, the editor's schemas and, with --ci, the CI files.

    Writes nothing if any of those files exists. Example: gwctl init --age age1... --ci github
    """
    from gwctl.config.age_keys import check_recipients, identity_recipients
    from gwctl.config.init_repo import init_repository

    root = directory or ctx.obj["root"]
    age = check_recipients(recipients) if recipients else identity_recipients()
    for path in init_repository(root, age, ci):
        click.echo(f"created {path}")
    click.echo(f"secret files will be encrypted to: {', '.join(age)}", err=True)
    click.echo("next: gwctl add PROVIDER KEY (see gwctl providers)", err=True)


_ADD_FIELDS = (
    "name",
    "status",
    "sending_pattern",
    "fallback_sender_id",
    "logo",
    "description",
    "signup_link",
)


def _add_options(command: F) -> F:
    """One option per account field, so that scripts can answer every prompt."""
    for name in reversed(_ADD_FIELDS):
        command = click.option(
            "--" + name.replace("_", "-"),
            name,
            default=None,
            help=f"The account's {name} (asked for when not given).",
        )(command)
    return command


@cli.command()
@click.argument("provider")
@click.argument("key")
@_add_options
@click.option(
    "--protect/--no-protect",
    default=None,
    help="gwctl never deletes a protected account (asked for when not given).",
)
@click.option(
    "--credential-env",
    "credential_env",
    multiple=True,
    metavar="FIELD=VARIABLE",
    help="Read credential FIELD from environment variable VARIABLE (repeatable).",
)
@click.option(
    "--credentials-stdin",
    is_flag=True,
    help="Read the credentials from stdin, one FIELD=VALUE per line.",
)
@click.pass_context
@friendly_errors
def add(
    ctx: click.Context,
    /,
    provider: str,
    key: str,
    protect: bool | None,
    credential_env: tuple[str, ...],
    credentials_stdin: bool,
    **fields: str | None,
) -> None:
    """Add account KEY of PROVIDER: asks for each field of its schema (credentials hidden),
    writes gateways.d/KEY.yaml and KEY.secret.yaml encrypted by sops, then validates.

    Without a terminal every value must be given (options, --credential-env or
    --credentials-stdin). Example: gwctl add twilio twilio-us --name "Twilio US"
    """
    from gwctl.cli.prompts import given_answers, terminal_ask
    from gwctl.config.add_account import collect, start, write

    new = start(ctx.obj["root"], provider, key)
    given = given_answers(fields, protect, credential_env, credentials_stdin)
    collect(new, given, terminal_ask if sys.stdin.isatty() and not credentials_stdin else None)
    added = write(new)
    for path in added.files:
        click.echo(f"created {path}")
    click.echo(
        render_problems(list(added.problems), "text", 0)
        if added.problems
        else f"valid: {key} added"
    )
    sys.exit(EXIT_INVALID if any(p.severity == "error" for p in added.problems) else 0)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "markdown")),
    default="text",
    show_default=True,
    help="text for terminals, json for tools, markdown for PRs.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (JSON, no secret values) for `gwctl apply PLAN`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@click.option(
    "--prune/--no-prune",
    default=None,
    help="Delete managed accounts whose file is gone (default: gwctl.yaml prune).",
)
@click.option("--force", is_flag=True, help="Accept a plan above the safety threshold.")
@click.pass_context
@friendly_errors
def plan(
    ctx: click.Context,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    prune: bool | None,
    force: bool,
) -> None:
    """Show what apply would change in the store, field by field."""
    from gwctl.cli.output.plan import plan_json, render
    from gwctl.reconcile.safety import check_plan
    from gwctl.reconcile.workflow import load_checked, make_plan

    settings = _settings(ctx)
    config = load_checked(settings)
    with _store(ctx) as client, _decrypt_progress() as progress:
        planned = make_plan(settings, config, client, prune=prune, progress=progress)
    click.echo(render(planned.plan, fmt, colour=_colour()))
    check_plan(planned.plan, planned.live, settings.safety, force=force)
    if out is not None:
        out.write_text(plan_json(planned.plan) + "\n", encoding="utf-8")
        click.echo(f"Saved the plan to {out}: apply it with `gwctl apply {out}`", err=True)
    if detailed_exitcode and planned.plan.has_changes:
        sys.exit(EXIT_CHANGES)


@cli.command()
@click.argument(
    "saved_plan", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option(
    "--prune/--no-prune",
    default=None,
    help="Delete managed accounts whose file is gone (default: gwctl.yaml prune).",
)
@click.option("--force", is_flag=True, help="Accept a plan above the safety threshold.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another apply's lock.",
)
@click.option(
    "--lock-ttl",
    type=click.IntRange(min=5),
    default=600,
    show_default=True,
    help="Seconds after which the store frees our lock if gwctl dies.",
)
@click.pass_context
@friendly_errors
def apply(
    ctx: click.Context,
    saved_plan: Path | None,
    auto_approve: bool,
    prune: bool | None,
    force: bool,
    lock_timeout: float,
    lock_ttl: int,
) -> None:
    """Apply the changes (after confirmation), or exactly the reviewed SAVED_PLAN."""
    from gwctl.cli.output.plan import render, summary
    from gwctl.reconcile.apply import apply_lock, check_still_current, execute, read_saved_plan
    from gwctl.reconcile.safety import check_plan
    from gwctl.reconcile.workflow import load_checked, make_plan

    saved = read_saved_plan(saved_plan) if saved_plan else None
    if saved is not None:
        prune = saved["prune"]  # apply exactly what was reviewed
    if saved is None and not auto_approve and not sys.stdin.isatty():
        raise click.UsageError(
            "apply needs a confirmation and there is no terminal: pass "
            "--auto-approve (CI), or apply a reviewed plan file"
        )
    settings = _settings(ctx)
    config = load_checked(settings)
    with (
        _store(ctx, saved["plan_id"] if saved else None) as client,
        apply_lock(
            client,
            reason="gwctl apply",
            ttl_seconds=lock_ttl,
            timeout=lock_timeout,
            waiting=lambda holder: click.echo(f"waiting for the lock held by {holder}", err=True),
        ) as lock,
        _decrypt_progress() as progress,
    ):
        planned = make_plan(settings, config, client, prune=prune, progress=progress)
        if saved is not None:
            check_still_current(saved, planned.plan)
        click.echo(render(planned.plan, "text", colour=_colour()))
        check_plan(planned.plan, planned.live, settings.safety, force=force)
        if not planned.plan.has_changes:
            return
        if saved is None and not auto_approve and not click.confirm("Apply these changes?"):
            click.echo("Nothing applied.")
            return
        result = execute(client, planned.plan, planned.desired, lock)
    click.echo(
        f"Applied in one changeset ({result.get('changeset_id')}): "
        f"{summary(planned.plan).removeprefix('Plan: ')}"
    )


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True
)
@click.pass_context
@friendly_errors
def drift(ctx: click.Context, fmt: str) -> None:
    """Show what was changed in the store outside gwctl (exit 0 none, 2 drift)."""
    from gwctl.cli.output.drift import render_drift
    from gwctl.reconcile.drift import detect_drift
    from gwctl.reconcile.workflow import load_checked, make_plan

    settings = _settings(ctx)
    config = load_checked(settings)
    with _store(ctx) as client:
        drifts = detect_drift(make_plan(settings, config, client), client)
    click.echo(render_drift(drifts, fmt))
    if drifts:
        sys.exit(EXIT_CHANGES)


@cli.command(name="import")
@click.argument("keys", nargs=-1)
@click.option("--all", "all_unmanaged", is_flag=True, help="Import every unmanaged account.")
@click.pass_context
@friendly_errors
def import_(ctx: click.Context, keys: tuple[str, ...], all_unmanaged: bool) -> None:
    """Adopt live accounts into gateways.d/ (secret files encrypted by sops)."""
    from gwctl.reconcile.importer import import_gateway, select

    if not keys and not all_unmanaged:
        raise click.UsageError("name the accounts to import, or pass --all")
    settings = _settings(ctx)
    with _store(ctx) as client:
        for gateway in select(client.list_gateways(), keys, all_unmanaged):
            imported = import_gateway(settings.root, client, gateway)
            click.echo(f"imported {imported.key}: {', '.join(imported.files)}")


@cli.command()
@click.argument("key", required=False)
@click.option("--since", help="Only entries at or after this time (ISO 8601).")
@click.option("--actor", help="Only entries by this actor.")
@click.option(
    "--format", "fmt", type=click.Choice(("text", "json", "csv")), default="text", show_default=True
)
@click.pass_context
@friendly_errors
def history(
    ctx: click.Context, key: str | None, since: str | None, actor: str | None, fmt: str
) -> None:
    """Print the store's audit trail: who changed what, when, from which commit and plan."""
    from gwctl.cli.output.history import render_history

    with _store(ctx) as client:
        click.echo(render_history(client.audit_entries(key=key, since=since, actor=actor), fmt))


@cli.group()
def audit() -> None:
    """The store's hash-chained audit log."""


@audit.command()
@click.pass_context
@friendly_errors
def verify(ctx: click.Context) -> None:
    """Check the audit log's hash chain; exit 1 naming the first broken entry."""
    with _store(ctx) as client:
        result = client.verify_audit()
    if result.get("ok"):
        click.echo(f"audit log intact: {result.get('entries')} entries verified")
        return
    broken = result.get("first_broken") or {}
    click.echo(f"audit log BROKEN at entry #{broken.get('seq')}: {broken.get('reason')}", err=True)
    sys.exit(EXIT_INVALID)


@cli.group()
def lock() -> None:
    """The store's apply lock."""


@lock.command()
@click.pass_context
@friendly_errors
def status(ctx: click.Context) -> None:
    """Show who holds the apply lock."""
    from gwctl.reconcile.apply import describe_lock

    with _store(ctx) as client:
        state = client.lock_status()
    click.echo(f"locked by {describe_lock(state['lock'])}" if state.get("held") else "not locked")


@lock.command()
@click.option(
    "--force", is_flag=True, required=True, help="Required: breaks another apply's lock (audited)."
)
@click.pass_context
@friendly_errors
def release(ctx: click.Context, force: bool) -> None:
    """Break the apply lock of a dead apply (admin; recorded in the audit log)."""
    with _store(ctx) as client:
        client.force_release_lock()
    click.echo("lock released")


@cli.command()
@click.pass_context
@friendly_errors
def gateways(ctx: click.Context) -> None:
    """Print the store's Available Gateways table (credentials masked)."""
    from gwctl.cli.output.gateways import available_gateways

    with _store(ctx) as client:
        click.echo(available_gateways(client.list_gateways()))


def _database(ctx: click.Context, db: str | None) -> tuple[str, Path]:
    """The --db URL (by default the embedded store's, so `gwctl serve` shows what
    `gwctl apply` wrote) and the key file used unless GWCTL_STORE_KEY is set."""
    from gwctl.remote.embedded import store_paths

    url, key_file, _token = store_paths(ctx.obj["root"])
    make_private_dir(key_file.parent)
    return db or url, key_file


_DB_OPTION = click.option(
    "--db",
    default=None,
    help="Database URL (sqlite:///…, postgresql+psycopg://…, mysql+pymysql://…); default: "
    "the embedded store's .gwctl/store.sqlite3.",
)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@_DB_OPTION
@click.option("--init", is_flag=True, help="Create the database and print a new admin token.")
@click.pass_context
@friendly_errors
def serve(ctx: click.Context, host: str, port: int, db: str | None, init: bool) -> None:
    """Run the store: REST API under /api/v1 and the SMS Gateways web page."""
    from gwctl.store.server import init_store
    from gwctl.store.server import serve as run_server

    url, key_file = _database(ctx, db)
    if init:
        token = init_store(url, key_file=key_file)
        click.echo(f"admin token (shown once, keep it safe): {token}")
    click.echo(f"serving http://{host}:{port}/ (API: /api/v1, OpenAPI: /openapi.json)", err=True)
    run_server(url, host, port, key_file=key_file)


@cli.group()
def store() -> None:
    """Administration of the live store."""


@store.group()
def token() -> None:
    """API tokens (stored hashed; shown once)."""


@token.command(name="create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(("admin", "read")),
    required=True,
    help="admin: read and write; read: auditors (no writes, no clear secrets).",
)
@_DB_OPTION
@click.pass_context
@friendly_errors
def token_create(ctx: click.Context, name: str, role: str, db: str | None) -> None:
    """Create a token NAME and print it once."""
    from gwctl.store.server import create_named_token

    url, _key_file = _database(ctx, db)
    click.echo(create_named_token(url, name, role))


@token.command(name="list")
@_DB_OPTION
@click.pass_context
@friendly_errors
def token_list(ctx: click.Context, db: str | None) -> None:
    """List the tokens: name, role, created when and by whom (never their values)."""
    from gwctl.store.server import named_tokens

    url, _key_file = _database(ctx, db)
    for info in named_tokens(url):
        click.echo(
            f"{info.name:<24} {info.role:<6} {info.created_at:%Y-%m-%d %H:%M} by {info.created_by}"
        )


@token.command(name="revoke")
@click.argument("name")
@_DB_OPTION
@click.pass_context
@friendly_errors
def token_revoke(ctx: click.Context, name: str, db: str | None) -> None:
    """Revoke token NAME at once (its web sessions end too; audited)."""
    from gwctl.store.server import revoke_named_token

    url, _key_file = _database(ctx, db)
    revoke_named_token(url, name)
    click.echo(f"token {name} revoked")


def main() -> None:
    tune_for_command()
    cli(prog_name="gwctl")
