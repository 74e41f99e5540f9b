"""The pages' rendering: a Jinja2 environment (autoescaped) with its filters, and `render()`,
which gives every template who is signed in and the CSRF token its forms carry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from gwctl.store.sessions import WebSession

from . import forms
from .security import CSRF_FIELD

HERE = Path(__file__).resolve().parent
KEYLIKE = re.compile(r"[a-z0-9][a-z0-9-]*")
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _provider_icon(provider_id: str) -> str:
    """The provider's icon in static/icons, or the generic one for a provider without one."""
    if (
        KEYLIKE.fullmatch(provider_id)
        and (HERE / "static" / f"provider-{provider_id}.svg").is_file()
    ):
        return f"/static/provider-{provider_id}.svg"
    return "/static/provider-generic.svg"


def _first_sentences(text: str, count: int) -> str:
    sentences = [s for s in text.split(". ") if s]
    head = ". ".join(sentences[:count])
    return head if head.endswith(".") else head + "."


def _when(value: Any) -> str:
    """An RFC 3339 time as "2026-11-24 19:12:04" (UTC)."""
    text = str(value or "")
    return text.replace("T", " ").removesuffix("Z").split("+")[0].split(".")[0]


def _current_mask(gateway: forms.GatewayJson | None, f: forms.FormField) -> str:
    stored = ((gateway or {}).get("credentials") or {}).get(
        f.name.removeprefix(forms.CREDENTIALS_PREFIX)
    )
    mask = stored.get("mask") if isinstance(stored, Mapping) else None
    return f"{mask} (unchanged)" if mask else ""


TEMPLATES.globals.update(provider_icon=_provider_icon, current_mask=_current_mask)
TEMPLATES.filters.update(first_sentences=_first_sentences, when=_when)


def remember_session(request: Request, session: WebSession | None) -> None:
    """Keep the request's session for its page, including an error page raised on the way."""
    request.state.web_session = session


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page, showing the request's session (if its dependencies found one)."""
    session: WebSession | None = getattr(request.state, "web_session", None)
    html = TEMPLATES.get_template(template).render(
        request_path=request.url.path,
        principal=session.principal if session else None,
        can_write=bool(session and session.principal.can_write),
        csrf_field=CSRF_FIELD,
        csrf_token=session.csrf_token if session else "",
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
