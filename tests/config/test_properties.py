"""Property tests: whatever bytes or YAML-ish text the loader is given, it either returns a
mapping or raises our own `ConfigError` with located problems — never another exception —
and `load_config` on a directory holding such a file never raises at all."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from gwctl.config.ambiguous_scalars import ambiguity
from gwctl.config.loader import load_config
from gwctl.config.strict_yaml import load_bytes
from gwctl.core.problems import ConfigError
from tests.support.accounts import account

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
KEYS = st.text(min_size=1, max_size=12)
TREES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(KEYS, TREES, max_size=6)

# Pieces of YAML syntax that make a parser or the strict rules work: indicators, tags,
# anchors, aliases, document markers, control and odd characters.
YAML_BITS = st.sampled_from(
    [
        ":",
        ": ",
        "- ",
        "? ",
        "&a ",
        "*a",
        "!tag ",
        "!!python/object:os.system ",
        "!!str ",
        "!!binary ",
        "|",
        ">",
        "'",
        '"',
        "\n",
        "\n  ",
        "  ",
        "\t",
        "#",
        "{",
        "}",
        "[",
        "]",
        ",",
        "%YAML 1.1\n",
        "---\n",
        "...\n",
        "<<: ",
        "~",
        "\x00",
        "\x07",
        "\ufeff",
        "\x85",
        "\u2028",
        "\\",
        "@",
        "`",
        "2024-13-45",
        "0x",
        "1e400",
        ".nan",
        "=",
    ]
)


@st.composite
def yamlish_text(draw: st.DrawFn) -> str:
    """A real YAML dump of a nested structure, then a few random edits with YAML syntax."""
    text = yaml.safe_dump(
        draw(DOCUMENTS),
        default_flow_style=draw(st.sampled_from([False, True, None])),
        allow_unicode=draw(st.booleans()),
        sort_keys=False,
    )
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "duplicate line"]))
        bit = draw(YAML_BITS | st.text(max_size=3))
        if edit == "insert":
            text = text[:at] + bit + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)) :]
        elif edit == "replace":
            text = text[:at] + bit + text[at + len(bit) :]
        else:
            lines = text.splitlines(keepends=True) or [""]
            index = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[: index + 1] + lines[index:])
    return text


def _loads_or_refuses(data: bytes) -> None:
    """Either a mapping, or a ConfigError whose problems are located in the file."""
    refused: ConfigError | None = None
    try:
        document = load_bytes(data, "gateways.d/x.yaml")
    except ConfigError as exc:
        refused = exc
    if refused is None:
        event("loaded")
        assert isinstance(document.data, dict)
        return
    assert refused.problems
    event(f"refused: {refused.problems[0].code}")
    for problem in refused.problems:
        assert problem.file == "gateways.d/x.yaml"
        assert problem.line >= 1
        assert problem.column >= 1
        assert problem.message


@BOUNDED
@given(st.binary(max_size=400))
@example(b"\xff\xfe")
@example(b"a: \x00")
@example(b"\xef\xbb\xbf")
@example(b"!!python/object/apply:os.system ['true']")
def test_arbitrary_bytes_load_as_a_mapping_or_raise_only_config_error(data: bytes) -> None:
    _loads_or_refuses(data)


# Fragments of YAML syntax glued together: more tags, anchors and markers than edits make.
YAML_SOUP = st.lists(
    YAML_BITS | KEYS | st.sampled_from(["provider", "name", "infobip"]), max_size=30
).map("".join)


@BOUNDED
@given(yamlish_text() | YAML_SOUP)
@example("a: &x [1]\nb: *x\n")
@example("a: 1\na: 2\n")
@example("<<: {a: 1}\n")
@example("? [a]\n: 1\n")
@example("a: " + "[" * 40 + "]" * 40)
def test_yamlish_text_loads_as_a_mapping_or_raises_only_config_error(text: str) -> None:
    _loads_or_refuses(text.encode("utf-8", "surrogatepass"))


def _without_nan(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, list):
        return all(map(_without_nan, value))
    if isinstance(value, dict):
        return all(map(_without_nan, value.values()))
    return True


def _unambiguous(value: Any) -> bool:
    """No text PyYAML would write plain that YAML 1.2 reads otherwise (refused on purpose:
    tests/config/test_strict_yaml.py)."""
    if isinstance(value, str):
        return ambiguity(value) is None
    if isinstance(value, dict):
        return all(_unambiguous(k) and _unambiguous(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_unambiguous(item) for item in value)
    return True


@BOUNDED
@given(DOCUMENTS.filter(bool).filter(_without_nan).filter(_unambiguous))
def test_a_plain_yaml_dump_loads_as_pyyaml_reads_it_with_a_position_for_every_value(
    data: dict[str, Any],
) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    document = load_bytes(text.encode(), "x.yaml")

    # PyYAML's own round trip is not exact (a NEL in a key comes back as a space), so the
    # strict loader is held to agree with yaml.safe_load on everything it accepts.
    assert document.data == yaml.safe_load(text)
    for key in document.data:
        assert (key,) in document.value_positions
        assert (key,) in document.key_positions


@pytest.fixture
def fuzz_root(tmp_path: Path) -> Path:
    (tmp_path / "gateways.d").mkdir()
    return tmp_path


@BOUNDED
@given(content=st.binary(max_size=300) | yamlish_text().map(str.encode))
def test_load_config_never_raises_whatever_the_account_file_holds(
    fuzz_root: Path, content: bytes
) -> None:
    (fuzz_root / "gateways.d" / "fuzzed.yaml").write_bytes(content)

    config = load_config(fuzz_root)

    assert config.problems  # at least: no secret file
    assert all(problem.file.startswith("gateways.d/fuzzed") for problem in config.problems)


@BOUNDED
@given(content=st.binary(max_size=300) | yamlish_text().map(str.encode))
def test_load_config_never_raises_whatever_the_secret_file_holds(
    fuzz_root: Path, content: bytes
) -> None:
    (fuzz_root / "gateways.d" / "fuzzed.yaml").write_text(
        yaml.safe_dump(account(), sort_keys=False)
    )
    (fuzz_root / "gateways.d" / "fuzzed.secret.yaml").write_bytes(content)

    config = load_config(fuzz_root)

    assert config.problems
    assert {problem.file for problem in config.problems} == {"gateways.d/fuzzed.secret.yaml"}
