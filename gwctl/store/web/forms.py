"""The gateway form, generated from the provider's JSON Schema.

Labels are the schema's titles, help texts its descriptions, enums (and consts) become selects,
`writeOnly` credentials password inputs, and `required` lists the required markers. Adding a
provider (one schema file) adds its form with no change here.

The web page differs from an account file in three places, handled here:
- the account key (the file stem in git) is a form field of its own on create;
- the logo is an uploaded image, not a path;
- fields whose description starts with "gwctl only" (`protect`, `moved_from`) and the
  `provider` const (fixed by the chosen icon) are not offered.

Server-side validation (the store, with the same schema files) is the authority: the form
only collects values, and maps the store's JSON-pointer errors back onto its fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from gwctl.core.logos import LIMITS_TEXT
from gwctl.core.names import key_from_name
from gwctl.core.providers import Provider, read_schema_file

# A gateway as the REST API's JSON (docs/store-api.md): credentials masked, never in clear.
GatewayJson = Mapping[str, Any]
Mode = Literal["create", "edit"]
Widget = Literal["text", "textarea", "select", "password", "url", "file"]

KEY_FIELD = "key"
LOGO_FIELD = "logo"
REMOVE_LOGO_FIELD = "logo_remove"
CREDENTIALS_PREFIX = "credentials."
_HIDDEN_PROPERTIES = frozenset({"provider"})
_WEB_ONLY_LOGO_HELP = (
    f"Optional. {LIMITS_TEXT[:1].upper()}{LIMITS_TEXT[1:]}, shown next to the gateway name "
    "within the application."
)
_KEEP_HINT = "Leave empty to keep the current value."


@dataclass(frozen=True)
class FieldError:
    """An invalid field, located by the JSON pointer of the gateway write ("/sending_pattern")."""

    pointer: str
    message: str
    code: str = ""  # the page's own checks: the logo rule's code ("logo_size", ...)


@dataclass(frozen=True)
class FormField:
    """One input of the generated form."""

    name: str  # the HTML input name: "name", "credentials.api_key", "key", "logo"
    pointer: str  # JSON pointer of the value in a gateway write: "/credentials/api_key"
    label: str
    help: str
    widget: Widget
    required: bool
    options: tuple[str, ...] = ()
    option_titles: tuple[str, ...] = ()  # what the select shows for each option
    maxlength: int | None = None
    secret: bool = False
    credential: bool = False
    placeholder: str = ""

    @property
    def input_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


@dataclass
class FormState:
    """Fields plus what to show in them: values (never a secret's), errors per field."""

    provider: Provider
    mode: Mode
    fields: list[FormField]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def errors_for(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general_errors)

    def add_errors(self, errors: Sequence[FieldError]) -> None:
        """Attach store errors to the field their JSON pointer names, or to the whole form."""
        for error in errors:
            target = field_for_pointer(self.fields, error.pointer)
            if target is None:
                self.general_errors.append(error.message)
            else:
                self.errors.setdefault(target.name, []).append(_beside_field(error.message))


_SUBJECT = re.compile(r"^'[^']*' \([^)]*\) ")


def _beside_field(message: str) -> str:
    """A schema message without its "'field' (Title) " subject, shown next to that field."""
    stripped = _SUBJECT.sub("", message, count=1)
    return stripped[:1].upper() + stripped[1:] if stripped else message


def _resolve(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a `$ref` ("common.schema.json#/$defs/name" or "#/$defs/x"), merged with siblings."""
    ref = spec.get("$ref")
    if not isinstance(ref, str):
        return spec
    document_name, _, fragment = ref.partition("#")
    document: Any = read_schema_file(document_name) if document_name else schema
    for part in (p for p in fragment.split("/") if p):
        document = document[part.replace("~1", "/").replace("~0", "~")]
    siblings = {k: v for k, v in spec.items() if k != "$ref"}
    return {**_resolve(document, schema), **siblings}


def _options(spec: Mapping[str, Any]) -> tuple[str, ...]:
    if "enum" in spec:
        return tuple(str(option) for option in spec["enum"])
    if "const" in spec:
        return (str(spec["const"]),)
    return ()


def _option_titles(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """The schema's title of each option (`x-gwctl-enum-titles`: "batch" is "Batch")."""
    titles = spec.get("x-gwctl-enum-titles") or {}
    return tuple(str(titles.get(option, option.capitalize())) for option in _options(spec))


def _help(spec: Mapping[str, Any]) -> str:
    """The description, then the provider's own `examples` of the field."""
    text = str(spec.get("description", ""))
    examples = [str(e) for e in spec.get("examples", ()) if isinstance(e, str | int)]
    if examples:
        text += " For example " + " or ".join(f"'{e}'" for e in examples) + "."
    return text.strip()


def example_key(provider: Provider) -> str:
    """The key of the provider's example name: "twilio-i" for "Twilio I"."""
    return key_from_name(provider.field_example("name") or provider.id)


def key_help(provider: Provider) -> str:
    """The Account Key's help, in a gateway admin's words, with this provider's example."""
    example = example_key(provider)
    return (
        "A short permanent ID for this account, used in the addresses of its pages and by "
        "automation. It is made from the Gateway Name as you type (or when left empty); you "
        "can change it now, not after the gateway is added. 1 to 63 lowercase letters (a-z), "
        f"digits and hyphens, starting and ending with a letter or digit, e.g. '{example}'."
    )


def add_title(provider: Provider) -> str:
    """ "Add an Infobip Gateway", "Add a Twilio Gateway": the article follows the sound of the
    company name's first letter (a vowel: "an")."""
    name = provider.company_name
    article = "an" if name[:1].lower() in "aeiou" and name else "a"
    return f"Add {article} {name} Gateway"


def _widget(spec: Mapping[str, Any], secret: bool) -> Widget:
    if secret:
        return "password"
    if _options(spec):
        return "select"
    pattern = str(spec.get("pattern", ""))
    if pattern.startswith("^https?://"):
        return "url"
    max_length = spec.get("maxLength")
    if isinstance(max_length, int) and max_length > 255 and not pattern:
        return "textarea"
    return "text"


def _from_spec(
    name: str, pointer: str, spec: Mapping[str, Any], required: bool, *, credential: bool = False
) -> FormField:
    secret = bool(spec.get("writeOnly", False))
    max_length = spec.get("maxLength")
    return FormField(
        name=name,
        pointer=pointer,
        label=str(spec.get("title", name)),
        help=_help(spec),
        widget=_widget(spec, secret),
        required=required,
        options=_options(spec),
        option_titles=_option_titles(spec),
        maxlength=max_length if isinstance(max_length, int) else None,
        secret=secret,
        credential=credential,
    )


def _gwctl_only(spec: Mapping[str, Any]) -> bool:
    return str(spec.get("description", "")).lower().startswith("gwctl only")


def build_fields(provider: Provider, mode: Mode) -> list[FormField]:
    """The form of one provider: Gateway Name, key (on create), credentials, then the rest.

    The order follows the seed page: Gateway Name, the provider's credentials, Sending Pattern,
    Status, Fallback Sender ID, Logo, Description, Signup Link (the schema's order, except that
    the credentials come right after the name).
    """
    schema = provider.schema
    required = set(schema.get("required", ()))
    account: list[FormField] = []
    for name, raw in schema["properties"].items():
        spec = _resolve(raw, schema)
        if name in _HIDDEN_PROPERTIES or _gwctl_only(spec):
            continue
        if name == LOGO_FIELD:
            account.append(
                FormField(
                    name=LOGO_FIELD,
                    pointer="/logo",
                    label=str(spec.get("title", "Logo")),
                    help=_WEB_ONLY_LOGO_HELP,
                    widget="file",
                    required=False,
                )
            )
            continue
        account.append(_from_spec(name, "/" + name, spec, name in required))

    credentials_schema = _resolve(schema["$defs"]["credentials"], schema)
    required_credentials = set(credentials_schema.get("required", ()))
    credentials = [
        _from_spec(
            CREDENTIALS_PREFIX + name,
            "/credentials/" + name,
            _resolve(spec, schema),
            # on edit, an empty credential keeps the stored value
            mode == "create" and name in required_credentials,
            credential=True,
        )
        for name, spec in credentials_schema["properties"].items()
    ]
    if mode == "edit":
        credentials = [
            replace(f, help=f"{f.help} {_KEEP_HINT}".strip()) if f.secret else f
            for f in credentials
        ]

    # on create, the Account Key comes right after the Gateway Name it is made from
    key = [
        FormField(
            name=KEY_FIELD,
            pointer="/key",
            label="Account Key",
            help=key_help(provider),
            widget="text",
            required=True,
            maxlength=63,
            placeholder=example_key(provider),
        )
    ]
    name_index = next((i for i, f in enumerate(account) if f.name == "name"), -1)
    return [
        *account[: name_index + 1],
        *(key if mode == "create" else []),
        *credentials,
        *account[name_index + 1 :],
    ]


def _default_value(f: FormField) -> str:
    return f.options[0] if f.widget == "select" and f.required and f.options else ""


def new_form(provider: Provider) -> FormState:
    fields = build_fields(provider, "create")
    values = {f.name: _default_value(f) for f in fields if f.widget not in ("file", "password")}
    if "signup_link" in values and provider.signup_link:
        values["signup_link"] = provider.signup_link
    return FormState(provider, "create", fields, values)


def edit_form(provider: Provider, gateway: GatewayJson) -> FormState:
    """The edit form prefilled from a stored gateway; secret fields stay empty."""
    fields = build_fields(provider, "edit")
    values: dict[str, str] = {}
    credentials = gateway.get("credentials") or {}
    for f in fields:
        if f.widget in ("file", "password"):
            continue
        if f.credential:
            stored = credentials.get(f.name.removeprefix(CREDENTIALS_PREFIX)) or {}
            value = stored.get("value") if not stored.get("secret", True) else None
        else:
            value = gateway.get(f.name)
        values[f.name] = "" if value is None else str(value)
    return FormState(provider, "edit", fields, values)


def field_for_pointer(fields: Sequence[FormField], pointer: str) -> FormField | None:
    """The field a JSON pointer ("/credentials/api_key", "/logo/data") falls in, if any."""
    best: FormField | None = None
    for f in fields:
        if (pointer == f.pointer or pointer.startswith(f.pointer + "/")) and (
            best is None or len(f.pointer) > len(best.pointer)
        ):
            best = f
    return best


_NOT_ACCOUNT_FIELDS = frozenset({"key", "credentials", "logo", "managed_by", "applied_digest"})


def schema_errors(state: FormState, write: Mapping[str, Any]) -> list[FieldError]:
    """What the provider's schema says about a write, account part and credentials.

    The store validates every write with the same schema files and stays the authority; the
    page uses this only to list every problem at once: when a local check (key, logo) already
    stops the write, and when the store reports account errors before it looks at credentials.
    On edit, a credential left out keeps its value, so it is not "missing".
    """
    provider = state.provider
    account = {
        name: value
        for name, value in write.items()
        if name not in _NOT_ACCOUNT_FIELDS and value is not None
    }
    errors = [FieldError(v.pointer, v.message) for v in provider.validate_account(account)]
    credentials = write.get("credentials") or {}
    for v in provider.validate_credentials(credentials):
        if state.mode == "edit" and v.code == "missing":
            continue
        errors.append(FieldError("/credentials" + v.pointer, v.message))
    return errors


def merge_errors(first: Sequence[FieldError], more: Sequence[FieldError]) -> list[FieldError]:
    """`first`, then those of `more` about fields `first` says nothing about."""
    seen = {e.pointer for e in first}
    return [*first, *(e for e in more if e.pointer not in seen)]
