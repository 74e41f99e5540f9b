"""schema/gwctl.schema.json says exactly what gwctl's reader of gwctl.yaml accepts: every
document of the corpus (settings_cases/good and bad), every gwctl.yaml example of the docs and
`gwctl init`'s template is accepted by both or refused by both, and so is every document
hypothesis generates. Each bad case states on its `# expect: LINE:COL: message` lines every
problem gwctl must report for it.

The two speak of JSON values: YAML's `.nan` has none (JSON Schema cannot refuse it, the reader
does); the YAML-level rules (ambiguous scalars, tags, duplicate keys) are test_strict_yaml's.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.protocols import Validator

from gwctl.config.init_repo import SETTINGS
from gwctl.config.settings import load_settings, read_settings
from gwctl.config.settings_reader import ENV_NAME, STORE_URL
from gwctl.config.strict_yaml import Document
from gwctl.config.verify_settings import BASE_URL
from gwctl.core import providers
from gwctl.core.problems import ConfigError
from gwctl.core.providers import SETTINGS_SCHEMA, load_providers, read_schema_file
from gwctl.core.schema_checks import SchemaValidator
from gwctl.core.verify_spec import check_base_url
from tests.support.paths import REPO_ROOT

CASES = Path(__file__).parent / "settings_cases"
GOOD = sorted((CASES / "good").glob("*.yaml"))
BAD = sorted((CASES / "bad").glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (\d+:\d+: .+)$", re.MULTILINE)
DOCUMENTED = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def schema_validator() -> Validator:
    validator: Validator = SchemaValidator(providers.settings_schema())
    return validator


def reader_problems(data: Any) -> list[str]:
    """What gwctl's reader says of a gwctl.yaml holding `data`: [] when it accepts it."""
    try:
        read_settings(Path("."), Document("gwctl.yaml", data), None)
    except ConfigError as exc:
        return [str(problem) for problem in exc.problems]
    return []


def schema_accepts(data: Any) -> bool:
    return bool(schema_validator().is_valid(data))


def file_problems(root: Path, text: str) -> list[str]:
    (root / "gwctl.yaml").write_text(text, encoding="utf-8")
    try:
        load_settings(root)
    except ConfigError as exc:
        return [str(problem) for problem in exc.problems]
    return []


# --- the corpus --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", GOOD, ids=[path.stem for path in GOOD])
def test_a_good_document_is_accepted_by_gwctl_and_by_the_schema(tmp_path: Path, path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert file_problems(tmp_path, text) == []
    assert schema_accepts(yaml.safe_load(text))


@pytest.mark.parametrize("path", BAD, ids=[path.stem for path in BAD])
def test_a_bad_document_gets_its_stated_problems_and_the_schema_refuses_it(
    tmp_path: Path, path: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    expected = [f"gwctl.yaml:{where}" for where in _EXPECT.findall(text)]
    assert expected, f"{path.name} states no '# expect: LINE:COL: message' line"

    assert file_problems(tmp_path, text) == expected
    assert not schema_accepts(yaml.safe_load(text))


def test_the_corpus_holds_both_kinds() -> None:
    assert len(GOOD) >= 5
    assert len(BAD) >= 30


def _documented_examples() -> Iterator[tuple[str, str]]:
    """Every ```yaml block of the docs that starts with `# gwctl.yaml` or names a setting
    of its own (verify:, environments:): (where, text)."""
    for path in DOCUMENTED:
        text = path.read_text(encoding="utf-8")
        for number, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)):
            if block.startswith("# gwctl.yaml") or (
                path.name == "ci.md" and block.startswith("verify:")
            ):
                yield f"{path.name}#{number}", block


DOCUMENTED_EXAMPLES = list(_documented_examples())


@pytest.mark.parametrize(
    ("where", "text"), DOCUMENTED_EXAMPLES, ids=[where for where, _ in DOCUMENTED_EXAMPLES]
)
def test_every_documented_gwctl_yaml_is_accepted_by_gwctl_and_by_the_schema(
    tmp_path: Path, where: str, text: str
) -> None:
    assert file_problems(tmp_path, text) == [], where
    assert schema_accepts(yaml.safe_load(text)), where


def test_the_docs_show_gwctl_yaml_examples() -> None:
    assert len(DOCUMENTED_EXAMPLES) >= 3


def test_the_file_gwctl_init_writes_is_accepted_by_gwctl_and_by_the_schema(
    tmp_path: Path,
) -> None:
    assert file_problems(tmp_path, SETTINGS) == []
    assert schema_accepts(yaml.safe_load(SETTINGS))


def test_nan_is_refused_by_gwctl(tmp_path: Path) -> None:
    assert file_problems(tmp_path, "safety: {max_fraction: .nan}\n") == [
        "gwctl.yaml:1:24: must be a number above 0 and at most 1"
    ]


# --- the rules, side by side -------------------------------------------------------------------


def test_the_schema_states_the_readers_patterns() -> None:
    defs = read_schema_file(SETTINGS_SCHEMA)["$defs"]

    assert defs["store_url"]["pattern"] == f"^{STORE_URL.pattern}$"
    assert defs["token_env"]["pattern"] == f"^{ENV_NAME.pattern}$"
    assert defs["base_url"]["pattern"] == f"^{BASE_URL.pattern}$"


def test_the_schema_file_names_every_shipped_provider_for_verify() -> None:
    # gwctl fills verify.base_urls from the provider schemas (a new provider is one file);
    # the file as shipped says the same, so that it is exact on its own too
    served = providers.settings_schema()
    entries = served["$defs"]["verify"]["properties"]["base_urls"]["properties"]
    assert served == read_schema_file(SETTINGS_SCHEMA), (
        "schema/gwctl.schema.json: set $defs.verify.properties.base_urls.properties to "
        + json.dumps(entries, indent=2)
    )


def test_a_new_provider_gets_a_base_url_entry_without_editing_gwctl_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "schema"
    shutil.copytree(REPO_ROOT / "schema", directory)
    vonage = json.loads((directory / "twilio.schema.json").read_text())
    vonage["x-gwctl-provider"] = {"id": "vonage", "company_name": "Vonage"}
    (directory / "vonage.schema.json").write_text(json.dumps(vonage))
    monkeypatch.setenv("GWCTL_SCHEMA_DIR", str(directory))
    load_providers.cache_clear()
    try:
        document = {"verify": {"base_urls": {"vonage": "https://api.nexmo.com"}}}

        assert reader_problems(document) == []
        assert schema_accepts(document)
    finally:
        load_providers.cache_clear()


def test_load_providers_leaves_gwctl_schema_out() -> None:
    assert sorted(load_providers()) == ["clickatell", "infobip", "twilio"]


def test_every_property_has_a_title_and_a_description() -> None:
    def properties(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(node, dict):
            yield from node.get("properties", {}).items()
            for key, value in node.items():
                if key not in ("examples", "default"):
                    yield from properties(value)

    schema = providers.settings_schema()
    defs = schema["$defs"]
    found = list(properties(schema))
    assert len(found) >= 12
    for name, spec in found:
        target = defs[spec["$ref"].rsplit("/", 1)[-1]] if "$ref" in spec else {}
        assert spec.get("title") or target.get("title"), name
        assert spec.get("description") or target.get("description"), name


# --- whatever the document: both accept or both refuse -----------------------------------------

URL_TEXT = st.text(
    alphabet=st.sampled_from(list("https:/[]:.@?#{} %-_~0123456789abcXYZ\t\n\u00a0\u3000é")),
    max_size=24,
)
URLS = (
    st.from_regex(STORE_URL, fullmatch=True)
    | st.from_regex(BASE_URL, fullmatch=True)
    | st.sampled_from(
        [
            "https://gateways.example.com",
            "http://127.0.0.1:8089",
            "http://[::1]:8080/x",
            "https://[::1",
            "http://api.example.com",
            "https://user:pw@host",
            "https://x.example/?q=1",
            "gateways.example.com",
            "",
        ]
    )
    | st.builds("{}{}".format, st.sampled_from(["http://", "https://"]), URL_TEXT)
)
ENV_NAMES = st.from_regex(ENV_NAME, fullmatch=True) | st.text(max_size=6)
NUMBERS = (
    st.integers(-3, 20)
    | st.floats(allow_nan=False)
    | st.sampled_from([0, 0.0, 0.3, 1, 1.0, 1.5, 10.0, 2.5, -0.0])
)
LEAVES = st.none() | st.booleans() | NUMBERS | st.text(max_size=8) | URLS | st.lists(st.none())


def _mostly(good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`good` four times in five, `odd` otherwise (one_of would pick each half the time)."""
    return st.sampled_from([True, True, True, True, False]).flatmap(
        lambda right: good if right else odd
    )


def _value(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right kind, else any leaf."""
    return _mostly(good, LEAVES)


def _section(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a mapping of some of `fields`; else None, a leaf where a mapping belongs, or a
    mapping with a key gwctl does not have."""
    odd = st.none() | LEAVES | st.fixed_dictionaries({"x": LEAVES}, optional=fields)
    return _mostly(st.fixed_dictionaries({}, optional=fields), odd)


STORES = _section(url=_value(URLS), token_env=_value(ENV_NAMES))
BASE_URLS = _value(
    st.dictionaries(
        st.sampled_from(["infobip", "twilio", "clickatell", "clickatell", "sinch"]),
        _value(URLS),
        max_size=3,
    )
)
VERIFY = _section(base_urls=BASE_URLS)
ENVIRONMENTS = _value(
    st.dictionaries(st.text(max_size=5), _section(store=STORES, verify=VERIFY), max_size=3)
)
SETTINGS_FIELDS = {
    "store": STORES,
    "prune": _value(st.booleans()),
    "safety": _section(max_fraction=_value(NUMBERS), min_existing=_value(NUMBERS)),
    "environments": ENVIRONMENTS,
    "verify": VERIFY,
}
DOCUMENTS = _mostly(
    st.fixed_dictionaries({}, optional=SETTINGS_FIELDS),
    st.fixed_dictionaries({"colour": LEAVES}, optional=SETTINGS_FIELDS),
)


@settings(max_examples=1500, deadline=None)
@given(document=DOCUMENTS)
def test_gwctl_and_the_schema_agree_on_any_document(document: dict[str, Any]) -> None:
    assert (reader_problems(document) == []) == schema_accepts(document), reader_problems(document)


@settings(max_examples=500, deadline=None)
@given(url=URLS | st.text(max_size=20))
def test_gwctl_and_the_schema_agree_on_any_url(url: str) -> None:
    for document in (
        {"store": {"url": url}},
        {"environments": {"e": {"store": {"url": url}}}},
        {"verify": {"base_urls": {"twilio": url}}},
    ):
        assert (reader_problems(document) == []) == schema_accepts(document), document


@settings(max_examples=500, deadline=None)
@given(url=st.from_regex(BASE_URL, fullmatch=True))
def test_a_base_url_of_the_schemas_shape_passes_the_verify_check_too(url: str) -> None:
    assert check_base_url(url) is None
