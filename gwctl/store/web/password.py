"""Changing one's own password: the signed-in user gives the current one and the new one
twice. The current password is throttled like a sign-in; the user's other sessions end."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from gwctl.store import signins
from gwctl.store.api.deps import Guard, RequestClient, Store
from gwctl.store.errors import ValidationFailed
from gwctl.store.users import PASSWORD_MAX, PASSWORD_MIN

from .deps import PostedForm, SignedIn
from .posted import text_field
from .rendering import render
from .security import page_router
from .signin import wait_message

PASSWORD_PATH = "/account/password"  # noqa: S105 - a path, not a password
CHANGED = "Your password has been changed. Your other sessions have been signed out."
MISMATCH = "The new password and its repetition differ."

router = page_router()


def _page(
    request: Request,
    status_code: int = 200,
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
) -> HTMLResponse:
    return render(
        request,
        "password.html",
        status_code,
        errors=errors or {},
        notice=notice,
        password_min=PASSWORD_MIN,
        password_max=PASSWORD_MAX,
    )


@router.get(PASSWORD_PATH)
def password_page(request: Request, _session: SignedIn) -> HTMLResponse:
    return _page(request)


@router.post(PASSWORD_PATH)
def change_password(
    request: Request,
    form: PostedForm,
    session: SignedIn,
    store: Store,
    throttle: Guard,
    client: RequestClient,
) -> HTMLResponse:
    current, new = text_field(form, "current_password"), text_field(form, "new_password")
    if new != text_field(form, "new_password_again"):
        return _page(request, 422, errors={"new_password_again": MISMATCH})
    try:
        throttled = signins.change_password(
            store.engine,
            throttle,
            session.principal,
            (current, new),
            client,
            keep_session_hash=session.id_hash,
        )
    except ValidationFailed as exc:
        field = str(exc.details[0].get("pointer", "/new_password")).lstrip("/")
        return _page(request, 422, errors={field: exc.message})
    if throttled is not None:
        response = _page(request, 429, errors={"current_password": wait_message(throttled)})
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    return _page(request, notice=CHANGED)
