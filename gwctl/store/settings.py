"""The settings of a served store, defined once for `gwctl serve`, `python -m gwctl.store.server`
and the app factory (`gwctl.store.factory:app_from_env`).

`OPTIONS` is the table: each setting has a command-line flag and an environment variable.
`resolve` turns what the command line gave and the environment into `ServeSettings`: a flag
given wins over its variable; a repeatable flag adds to the variable's comma-separated items.
Every value is checked here, before anything starts, and a bad one is a StoreConfigError that
names the flag or variable it came from (never its value when it may hold a password).
`to_environ` writes settings back as variables: how the workers of `--workers N` get them.
Adding a setting is one row in `OPTIONS` and one field in `ServeSettings`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gwctl.store.errors import StoreConfigError

BASE_URLS_ENV = "GWCTL_VERIFY_BASE_URLS"
BASE_URL_OPTION = "--verify-base-url"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
LOG_FORMATS = ("text", "json")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")
MIN_METRICS_TOKEN = 16
_MAKE_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'  # noqa: S105 - a command

Parser = Callable[[str, str], Any]  # (value, where it came from) -> the typed value


def _error(message: str) -> StoreConfigError:
    # imported when needed: the CLI builds its options from this module at import time,
    # and gwctl.store.errors loads starlette
    from gwctl.store.errors import StoreConfigError

    return StoreConfigError(message)


@dataclass(frozen=True)
class ServeSettings:
    """Everything a served store starts with (the defaults are those of `gwctl serve`)."""

    db_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    key_file: Path | None = None
    log_level: str = "info"
    log_format: str = "text"
    workers: int = 1
    trusted_proxies: tuple[str, ...] = ()
    verify_base_urls: dict[str, str] = field(default_factory=dict)
    init: bool = False
    init_token_file: Path | None = None
    metrics_token: str | None = field(default=None, repr=False)
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"

    def database_url(self) -> str:
        """The database URL; StoreConfigError if neither --db nor GWCTL_DB_URL gave one."""
        if not self.db_url:
            raise _error("no database: give --db URL or set GWCTL_DB_URL")
        return self.db_url

    @property
    def app_metrics_token(self) -> str | None:
        """The token that opens /metrics on the main port; None: the app has no /metrics
        (none asked for, or it is on the metrics port's listener: metrics_serving.py)."""
        return self.metrics_token if self.metrics_port is None else None


@dataclass(frozen=True)
class Option:
    """One setting: its `ServeSettings` field, flag, environment variable and parser."""

    name: str
    flag: str
    env: str
    help: str
    metavar: str = ""
    parse: Parser = lambda value, _source: value
    repeatable: bool = False  # the flag may be given again; the variable is comma-separated
    is_flag: bool = False  # a switch without a value; its variable is 1/0, true/false

    def describe(self) -> str:
        """The help text, naming the variable and the default."""
        default = ServeSettings.__dataclass_fields__[self.name].default
        shown = "" if default in (None, (), False) or self.repeatable else f"; default: {default}"
        return f"{self.help} [env: {self.env}{shown}]"


def _port(value: str, source: str) -> int:
    number = _integer(value, source)
    if not 1 <= number <= 65535:
        raise _error(f"{source}: {value!r} is not a TCP port (1-65535)")
    return number


def _workers(value: str, source: str) -> int:
    number = _integer(value, source)
    if not 1 <= number <= 64:
        raise _error(f"{source}: the number of worker processes must be 1-64")
    return number


def _integer(value: str, source: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise _error(f"{source}: {value!r} is not a whole number") from None


def _choice(choices: tuple[str, ...]) -> Parser:
    def parse(value: str, source: str) -> str:
        if value.strip().lower() not in choices:
            raise _error(f"{source}: {value!r} is not one of {', '.join(choices)}")
        return value.strip().lower()

    return parse


def _path(value: str, source: str) -> Path:
    if not value.strip():
        raise _error(f"{source}: an empty path")
    return Path(value.strip()).expanduser()


def _switch(value: str, source: str) -> bool:
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise _error(f"{source}: {value!r} is neither 1/true/yes nor 0/false/no")


def _metrics_token(value: str, source: str) -> str:
    """The metrics token: a secret of its own, long enough not to be guessed (never shown)."""
    if len(value.strip()) < MIN_METRICS_TOKEN:
        raise _error(
            f"{source}: the metrics token must have at least {MIN_METRICS_TOKEN} characters; "
            f"make one with: {_MAKE_TOKEN}"
        )
    return value.strip()


def _network(value: str, source: str) -> str:
    """A trusted proxy: an IPv4/IPv6 address or network (CIDR), as uvicorn takes it."""
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise _error(
            f"{source}: {value.strip()!r} is not an IP address or network (e.g. 10.0.0.5, "
            "10.0.0.0/24, fd00::/8); name each trusted proxy, '*' is not accepted"
        ) from None
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def _base_url(value: str, source: str) -> tuple[str, str]:
    """One PROVIDER=URL of --verify-base-url / GWCTL_VERIFY_BASE_URLS, checked."""
    from gwctl.core.providers import load_providers
    from gwctl.store.connection_test import check_base_urls, parse_base_urls

    ((provider, url),) = parse_base_urls([value], source).items()
    return next(iter(check_base_urls({provider: url}, load_providers(), source).items()))


OPTIONS: tuple[Option, ...] = (
    Option(
        "db_url",
        "--db",
        "GWCTL_DB_URL",
        "Database URL (sqlite:///…, postgresql+psycopg://…, mysql+pymysql://…); give a "
        "password through the variable, never on the command line.",
        metavar="URL",
    ),
    Option("host", "--host", "GWCTL_HOST", "Address to listen on.", metavar="ADDR"),
    Option("port", "--port", "GWCTL_PORT", "TCP port to listen on.", metavar="PORT", parse=_port),
    Option(
        "key_file",
        "--key-file",
        "GWCTL_STORE_KEY_FILE",
        "The credential key file (unless GWCTL_STORE_KEY holds the key); the audit signing key "
        "lives beside it.",
        metavar="PATH",
        parse=_path,
    ),
    Option(
        "log_level",
        "--log-level",
        "GWCTL_LOG_LEVEL",
        f"Log level: {', '.join(LOG_LEVELS)}.",
        metavar="LEVEL",
        parse=_choice(LOG_LEVELS),
    ),
    Option(
        "log_format",
        "--log-format",
        "GWCTL_LOG_FORMAT",
        "text, or json: one JSON object per line for app and access logs.",
        metavar="FORMAT",
        parse=_choice(LOG_FORMATS),
    ),
    Option(
        "workers",
        "--workers",
        "GWCTL_WORKERS",
        "Worker processes (on SQLite, PostgreSQL or MariaDB; migrations run once, first).",
        metavar="N",
        parse=_workers,
    ),
    Option(
        "trusted_proxies",
        "--trusted-proxy",
        "GWCTL_TRUSTED_PROXIES",
        "A reverse proxy whose X-Forwarded-For/-Proto are believed (address or CIDR; "
        "repeatable; the variable is comma-separated). Default: none, the headers are ignored.",
        metavar="ADDR|CIDR",
        parse=_network,
        repeatable=True,
    ),
    Option(
        "verify_base_urls",
        BASE_URL_OPTION,
        BASE_URLS_ENV,
        "Send PROVIDER's 'Test connection' checks to URL instead of its schema's host "
        "(a regional Infobip host, a sandbox); https, or http on 127.0.0.1 only. Repeatable; "
        "over the variable's comma-separated PROVIDER=URL items.",
        metavar="PROVIDER=URL",
        parse=_base_url,
        repeatable=True,
    ),
    Option(
        "init",
        "--init",
        "GWCTL_INIT",
        "Migrate the database and create the first admin token if the store has no admin "
        "token yet (a later --init says 'already initialised' and creates nothing).",
        parse=_switch,
        is_flag=True,
    ),
    Option(
        "init_token_file",
        "--init-token-file",
        "GWCTL_INIT_TOKEN_FILE",
        "Where --init writes the new admin token (created, mode 0600; it must not exist). "
        "Default: stderr.",
        metavar="PATH",
        parse=_path,
    ),
    Option(
        "metrics_token",
        "--metrics-token",
        "GWCTL_METRICS_TOKEN",
        "Serve Prometheus /metrics to 'Authorization: Bearer TOKEN' only (not an API token; at "
        "least 16 characters; give it through the variable: a flag shows in ps). Without it "
        "and without --metrics-port there is no /metrics.",
        metavar="TOKEN",
        parse=_metrics_token,
    ),
    Option(
        "metrics_port",
        "--metrics-port",
        "GWCTL_METRICS_PORT",
        "Serve /metrics on a listener of its own at this port (asking for the metrics token "
        "if one is set); the main port then has none.",
        metavar="PORT",
        parse=_port,
    ),
    Option(
        "metrics_host",
        "--metrics-host",
        "GWCTL_METRICS_HOST",
        "The address of the metrics port's listener.",
        metavar="ADDR",
    ),
)


def resolve(given: Mapping[str, Any], environ: Mapping[str, str]) -> ServeSettings:
    """The settings from command-line values `given` (by field name: a string or None, a
    tuple of strings for a repeatable flag, a bool for a switch) over `environ`."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        raw = given.get(option.name)
        from_env = environ.get(option.env)
        if option.repeatable:
            items = [(item, option.env) for item in (from_env or "").split(",") if item.strip()]
            items += [(item, option.flag) for item in raw or ()]
            if items:
                parsed = [option.parse(item, source) for item, source in items]
                values[option.name] = (
                    dict(parsed)
                    if option.name == "verify_base_urls"
                    else (tuple(dict.fromkeys(parsed)))
                )
        elif option.is_flag and raw:
            values[option.name] = True
        elif raw is not None and not option.is_flag:
            values[option.name] = option.parse(str(raw), option.flag)
        elif from_env is not None and from_env.strip():
            values[option.name] = option.parse(from_env, option.env)
    return ServeSettings(**values)


def with_defaults(settings: ServeSettings, db_url: str, key_file: Path | None) -> ServeSettings:
    """`settings` with `db_url` and `key_file` where neither flag nor variable gave them."""
    return replace(
        settings, db_url=settings.db_url or db_url, key_file=settings.key_file or key_file
    )


def to_environ(settings: ServeSettings) -> dict[str, str]:
    """The variables that `resolve({}, ...)` turns back into `settings`."""
    by_name = {option.name: option for option in OPTIONS}
    environ = {}
    for item in fields(settings):
        value = getattr(settings, item.name)
        option = by_name[item.name]
        if isinstance(value, dict):
            environ[option.env] = ",".join(f"{key}={url}" for key, url in value.items())
        elif isinstance(value, tuple):
            environ[option.env] = ",".join(value)
        elif isinstance(value, bool):
            environ[option.env] = "1" if value else "0"
        else:
            environ[option.env] = "" if value is None else str(value)
    return environ
