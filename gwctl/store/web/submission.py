"""A submitted gateway form turned into a gateway write (the REST API's body), with the checks
only the page can make: the account key (derived from the Gateway Name when left empty) and
the uploaded logo (gwctl.core.logos, the rule the API and `gwctl validate` apply).

Everything else is left to the store's validation, which reports every problem at once.
A secret typed into the form is never kept to be shown again.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gwctl.core.logos import MAX_LOGO_BYTES, image_type, logo_problem
from gwctl.core.model import KEY_PATTERN
from gwctl.core.names import key_from_name

from .forms import (
    CREDENTIALS_PREFIX,
    KEY_FIELD,
    REMOVE_LOGO_FIELD,
    FieldError,
    FormState,
    example_key,
)

LOGO_TOO_LARGE = "logo_size"


@dataclass(frozen=True)
class Upload:
    """An uploaded file: the bytes read (at most the limit + 1), the browser's file name and
    the size the browser sent (all of it, also when only the first bytes were read)."""

    data: bytes
    filename: str
    size: int | None = None

    @property
    def sent_bytes(self) -> int:
        return len(self.data) if self.size is None else max(self.size, len(self.data))


def key_problem(state: FormState, key: str) -> FieldError | None:
    if KEY_PATTERN.fullmatch(key):
        return None
    return FieldError(
        "/key",
        "must be 1 to 63 lowercase letters, digits or '-', starting and ending with a letter "
        f"or digit, e.g. '{example_key(state.provider)}'",
    )


def _logo_write(logo: Upload) -> tuple[dict[str, str] | None, FieldError | None]:
    """The write's logo value, or the problem that refuses it (with the logo rule's code)."""
    sent = logo.sent_bytes
    if sent > MAX_LOGO_BYTES:
        megabytes = f"{sent / (1024 * 1024):.1f} MB" if sent >= 1024 * 1024 else f"{sent} bytes"
        message = (
            f"the logo is {megabytes}; at most {MAX_LOGO_BYTES // 1024} KiB allowed: "
            "choose a smaller image"
        )
        return None, FieldError("/logo", message, LOGO_TOO_LARGE)
    problem = logo_problem(logo.data)
    if problem is not None:
        return None, FieldError("/logo", problem.message, problem.code)
    content_type = image_type(logo.data)
    assert content_type is not None  # logo_problem accepts PNG and JPEG only
    return {"content_type": content_type, "data": base64.b64encode(logo.data).decode("ascii")}, None


def parse_submission(
    state: FormState,
    form: Mapping[str, str],
    logo: Upload | None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Turn a submitted form into a gateway write and the page's own errors.

    Fills `state.values` with what to show again: never a secret value. An empty account key
    on create is the one the Gateway Name suggests (what static/account-key.js fills in).
    """
    write: dict[str, Any] = {"provider": state.provider.id}
    credentials: dict[str, str] = {}
    errors: list[FieldError] = []
    values: dict[str, str] = {}
    for f in state.fields:
        if f.widget == "file":
            continue
        raw = form.get(f.name, "")
        # Secrets are taken verbatim (a password may end with a space) and never shown again;
        # a textarea's line breaks arrive as CRLF and are kept as LF.
        value = raw if f.secret else raw.strip().replace("\r\n", "\n")
        if f.name == KEY_FIELD:
            value = value or key_from_name(form.get("name", ""))
            write["key"] = value
            problem = key_problem(state, value)
            errors += [problem] if problem else []
        elif f.credential:
            if value or state.mode == "create":
                credentials[f.name.removeprefix(CREDENTIALS_PREFIX)] = value
        elif value == "" and not f.required:
            write[f.name] = None
        else:
            write[f.name] = value
        if not f.secret:
            values[f.name] = value
    if credentials or state.mode == "create":
        write["credentials"] = credentials
    if state.mode == "create":
        write["managed_by"] = "manual"

    if logo is not None and logo.data:
        logo_value, problem = _logo_write(logo)
        if problem is None:
            write["logo"] = logo_value
        else:
            errors.append(problem)
    elif (state.mode == "edit" and form.get(REMOVE_LOGO_FIELD) == "1") or state.mode == "create":
        write["logo"] = None

    state.values = values
    return write, errors
