"""Reading a posted form: its text fields, a number, and the uploaded logo (read to one byte
over the limit, so that a bigger file is recognised without reading all of it)."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile

from gwctl.core.logos import MAX_LOGO_BYTES

from . import forms
from .submission import Upload


def text_field(form: FormData, name: str) -> str:
    """A text field's value; "" when missing or a file."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def text_fields(form: FormData) -> dict[str, str]:
    return {name: value for name, value in form.items() if isinstance(value, str)}


def number(value: str) -> int | None:
    """A whole number, or None for anything else."""
    try:
        return int(value)
    except ValueError:
        return None


async def logo_upload(form: FormData) -> Upload | None:
    value = form.get(forms.LOGO_FIELD)
    if not isinstance(value, UploadFile):
        return None
    data = await value.read(MAX_LOGO_BYTES + 1)
    return Upload(data=data, filename=value.filename or "", size=value.size)
