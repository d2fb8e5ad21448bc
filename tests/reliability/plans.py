"""Hypothesis strategies for plan files that are definitely invalid: each injects one real defect.

Every strategy starts from a small valid plan (`BASE`, which `test_bad_plans` checks is valid) and breaks it
in one way the plan schema forbids; it yields the file's bytes and the words the error must name.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

BASE: dict[str, Any] = {
    "name": "hostile",
    "description": "a small valid plan that each strategy breaks",
    "provider": {"kind": "sim", "sim": {"scenario": "calm", "seed": 1, "old_size": 2, "apps_per_host": 1}},
    "fleets": {"old": "blue", "new": "green", "target_size": 2},
    "boot": {"batch": 2, "per_minute": 4, "health_timeout_seconds": 600, "on_failure": "replace"},
    "drain": {"max_in_flight": 1, "per_minute": 2, "min_healthy": "100%", "surge_per_host_per_minute": 10.0},
    "gate": {"enabled": True, "window_seconds": 120, "floor_per_minute": 10.0, "multiple": 3.0},
    "engine": {"tick_seconds": 30, "max_duration_seconds": 3600},
}
"""A valid plan: a two-host calm simulation, so even a plan that slipped through would end quickly."""

INTS = [
    ("fleets", "target_size"),
    ("boot", "batch"),
    ("boot", "per_minute"),
    ("boot", "max_replacements"),
    ("drain", "per_minute"),
    ("gate", "clear_after"),
    ("engine", "max_provider_failures"),
    ("provider.sim", "seed"),
    ("provider.sim", "old_size"),
]
FLOATS = [
    ("boot", "health_timeout_seconds"),
    ("drain", "surge_per_host_per_minute"),
    ("drain", "timeout_seconds"),
    ("gate", "window_seconds"),
    ("gate", "baseline_seconds"),
    ("gate", "floor_per_minute"),
    ("gate", "multiple"),
    ("gate", "min_healthy_app_ratio"),
    ("gate", "hold_after_seconds"),
    ("gate", "override_seconds"),
    ("engine", "tick_seconds"),
    ("engine", "lease_seconds"),
    ("engine", "max_duration_seconds"),
]
SHARES = [("drain", "max_in_flight"), ("drain", "min_healthy")]
BOOLS = [("gate", "enabled")]
STRINGS = [("", "name"), ("fleets", "old"), ("fleets", "new")]
CHOICES = [
    ("provider", "kind"),
    ("boot", "on_failure"),
    ("gate", "on_unreadable"),
    ("engine", "mode"),
    ("provider.sim", "scenario"),
]
SECTIONS = ["provider", "fleets", "boot", "drain", "gate", "engine"]
UPPER: dict[tuple[str, str], float] = {
    ("fleets", "target_size"): 1_000_000,
    ("boot", "batch"): 1_000_000,
    ("boot", "per_minute"): 1_000_000,
    ("boot", "max_replacements"): 100_000,
    ("drain", "per_minute"): 1_000_000,
    ("gate", "clear_after"): 1000,
    ("engine", "max_provider_failures"): 1000,
    ("provider.sim", "old_size"): 1_000_000,
    ("boot", "health_timeout_seconds"): 7 * 24 * 3600,
    ("drain", "surge_per_host_per_minute"): 1_000_000,
    ("drain", "timeout_seconds"): 7 * 24 * 3600,
    ("gate", "window_seconds"): 7 * 24 * 3600,
    ("gate", "baseline_seconds"): 7 * 24 * 3600,
    ("gate", "min_healthy_app_ratio"): 1,
    ("gate", "hold_after_seconds"): 7 * 24 * 3600,
    ("gate", "override_seconds"): 7 * 24 * 3600,
    ("engine", "tick_seconds"): 7 * 24 * 3600,
    ("engine", "lease_seconds"): 3600,
    ("engine", "max_duration_seconds"): 7 * 24 * 3600,
}
"""Fields with an upper bound, and the bound."""
LOWER: dict[tuple[str, str], tuple[float, bool]] = {
    ("fleets", "target_size"): (1, True),
    ("boot", "batch"): (1, True),
    ("boot", "per_minute"): (1, True),
    ("boot", "max_replacements"): (0, True),
    ("drain", "per_minute"): (1, True),
    ("gate", "clear_after"): (1, True),
    ("engine", "max_provider_failures"): (1, True),
    ("provider.sim", "seed"): (0, True),
    ("provider.sim", "old_size"): (1, True),
    ("boot", "health_timeout_seconds"): (0, False),
    ("drain", "surge_per_host_per_minute"): (0, False),
    ("drain", "timeout_seconds"): (0, False),
    ("gate", "window_seconds"): (0, False),
    ("gate", "floor_per_minute"): (0, True),
    ("gate", "multiple"): (1, True),
    ("gate", "min_healthy_app_ratio"): (0, True),
    ("engine", "tick_seconds"): (0, False),
    ("engine", "lease_seconds"): (1, True),
}
"""Budgets, rates and durations with a lower bound: (bound, whether the bound itself is allowed)."""
KNOWN: dict[str, set[str]] = {
    "": {"name", "description", *SECTIONS},
    "provider": {"kind", "sim", "aws"},
    "provider.sim": {
        "scenario", "seed", "start", "old_size", "apps_per_host", "boot_delay_seconds",
        "boot_delay_spread_seconds", "boot_failure_rate", "drain_seconds", "drain_spread_seconds",
        "alloc_capacity_per_minute", "corruption_slope", "corruption_max", "corrupted_warnings_per_minute",
        "baseline_warnings_per_minute", "disk_flapping", "disk_flapping_hosts", "disk_flap_period_seconds",
        "disk_renotify_seconds", "boot_api_limit_per_minute", "step_seconds", "warmup_seconds",
        "history_seconds", "terminated_visible_seconds", "surge_seconds", "app_start_seconds",
    },
    "fleets": {"old", "new", "target_size"},
    "boot": {"batch", "per_minute", "health_timeout_seconds", "on_failure", "max_replacements"},
    "drain": {"max_in_flight", "per_minute", "min_healthy", "surge_per_host_per_minute", "timeout_seconds"},
    "gate": {
        "enabled", "window_seconds", "baseline_seconds", "floor_per_minute", "multiple",
        "min_healthy_app_ratio", "clear_after", "on_unreadable", "hold_after_seconds", "override_seconds",
    },
    "engine": {"tick_seconds", "mode", "lease_seconds", "max_provider_failures", "max_duration_seconds"},
}  # fmt: skip
"""Keys each table knows (a superset is safe: an unknown key is drawn outside it)."""


@dataclass(frozen=True)
class BadPlan:
    """A plan file and what its one error line must mention (any one of `names`)."""

    content: bytes
    names: tuple[str, ...]
    defect: str

    def __repr__(self) -> str:
        shown = self.content[:300] + (b"..." if len(self.content) > 300 else b"")
        return f"BadPlan({self.defect}, names={self.names!r}, {len(self.content)} bytes: {shown!r})"


# -- a small TOML writer (the standard library only reads TOML) ------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_key(key: str) -> str:
    if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    return json.dumps(key, ensure_ascii=False)


@dataclass(frozen=True)
class Raw:
    """A TOML value written as is (a date, a deeply nested literal)."""

    text: str


def to_toml(plan: dict[str, Any]) -> str:
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []

    def emit(prefix: str, table: dict[str, Any]) -> None:
        for key, value in table.items():
            if isinstance(value, dict) and value and not prefix.startswith("!"):
                tables.append((f"{prefix}.{toml_key(key)}" if prefix else toml_key(key), value))
            else:
                lines.append(f"{toml_key(key)} = {toml_value(value)}")

    emit("", plan)
    while tables:
        name, table = tables.pop(0)
        lines.append(f"\n[{name}]")
        emit(name, table)
    return "\n".join(lines) + "\n"


def table_of(plan: dict[str, Any], section: str) -> dict[str, Any]:
    table = plan
    for part in filter(None, section.split(".")):
        table = table[part]
    return table


def path_name(section: str, key: str) -> str:
    return f"{section}.{key}" if section else key


def with_value(section: str, key: str, value: Any, defect: str) -> BadPlan:
    plan = copy.deepcopy(BASE)
    table_of(plan, section)[key] = value
    return BadPlan(to_toml(plan).encode(), (path_name(section, key),), defect)


# -- the defects ---------------------------------------------------------------------------------------------

words = st.text(alphabet=st.characters(categories=["Ll", "Lu"], max_codepoint=0x2FF), min_size=1, max_size=12)
BOOLISH = {"true", "false", "yes", "no", "on", "off", "y", "n", "t", "f", "inf", "nan", "infinity", "e"}
not_a_number = words.filter(lambda s: s.strip().lower() not in BOOLISH)
dates = st.dates().map(lambda d: Raw(d.isoformat()))
fractions = st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f))
containers = st.one_of(
    st.lists(st.integers(0, 9), max_size=3), st.dictionaries(words, st.integers(0, 9), max_size=2)
)


@st.composite
def wrong_types(draw: st.DrawFn) -> BadPlan:
    kind = draw(st.sampled_from(["int", "float", "share", "bool", "str", "choice", "section"]))
    if kind == "section":
        section = draw(st.sampled_from(SECTIONS))
        plan = copy.deepcopy(BASE)
        plan[section] = draw(st.one_of(st.integers(), not_a_number, st.lists(st.integers(), max_size=3)))
        return BadPlan(to_toml(plan).encode(), (section,), f"[{section}] is not a table")
    if kind == "int":
        section, key = draw(st.sampled_from(INTS))
        value = draw(st.one_of(not_a_number, dates, fractions, containers))
    elif kind == "float":
        section, key = draw(st.sampled_from(FLOATS))
        value = draw(st.one_of(not_a_number, dates, containers))
    elif kind == "share":
        section, key = draw(st.sampled_from(SHARES))
        value = draw(st.one_of(not_a_number, dates, fractions, st.lists(st.integers(0, 9), max_size=3)))
    elif kind == "bool":
        section, key = draw(st.sampled_from(BOOLS))
        value = draw(
            st.one_of(not_a_number, dates, st.integers().filter(lambda i: i not in (0, 1)), containers)
        )
    elif kind == "str":
        section, key = draw(st.sampled_from(STRINGS))
        value = draw(st.one_of(st.integers(), st.floats(allow_nan=False), dates, containers, st.booleans()))
    else:
        section, key = draw(st.sampled_from(CHOICES))
        value = draw(st.one_of(words.filter(lambda s: s not in {"sim", "aws"}), st.integers(), containers))
        if key in ("on_failure", "on_unreadable", "mode", "scenario"):
            value = draw(
                st.one_of(
                    words.filter(lambda s: s not in {"replace", "report", "block", "pass", "hold", "auto",
                                                     "manual", "outage", "calm"}),
                    st.integers(),
                )
            )  # fmt: skip
    return with_value(section, key, value, f"{kind} {path_name(section, key)} = {value!r}")


@st.composite
def booleans_for_numbers(draw: st.DrawFn) -> BadPlan:
    """`target_size = true`: a boolean where a number belongs."""
    section, key = draw(st.sampled_from(INTS + FLOATS))
    value = draw(st.booleans())
    return with_value(section, key, value, f"boolean {path_name(section, key)} = {value}")


OPTIONAL = [(section, key) for section in ("boot", "drain", "gate", "engine") for key in BASE[section]] + [
    ("", "description")
]
"""Keys with defaults, dropped at random next to the one required key a `missing` plan lacks."""


@st.composite
def missing(draw: st.DrawFn) -> BadPlan:
    section, key = draw(
        st.sampled_from(
            [("", "name"), ("", "provider"), ("", "fleets"), ("provider", "kind"), ("fleets", "old"),
             ("fleets", "new"), ("fleets", "target_size")]
        )
    )  # fmt: skip
    plan = copy.deepcopy(BASE)
    del table_of(plan, section)[key]
    for optional in draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL))):
        table_of(plan, optional[0]).pop(optional[1], None)
    return BadPlan(to_toml(plan).encode(), (path_name(section, key),), f"missing {path_name(section, key)}")


@st.composite
def huge_numbers(draw: st.DrawFn) -> BadPlan:
    (section, key), bound = draw(st.sampled_from(sorted(UPPER.items())))
    if (section, key) in INTS:
        value: Any = draw(st.one_of(st.integers(int(bound) + 1, 2**63 - 1), st.integers(2**64, 10**400)))
    else:
        value = draw(st.one_of(st.floats(min_value=bound, exclude_min=True), st.just(math.inf)))
    return with_value(section, key, value, f"huge {path_name(section, key)} = {value!r}")


@st.composite
def negative_budgets(draw: st.DrawFn) -> BadPlan:
    """Budgets, rates and durations below their floor, written as plain numbers or percentages."""
    choice = draw(st.sampled_from([*sorted(LOWER), *SHARES]))
    section, key = choice
    if choice in SHARES:
        number = draw(st.integers(1, 10**9))
        value: Any = draw(st.sampled_from([-number, f"-{number}%", f"{100 + number}%"]))
    elif choice in INTS:
        bound = int(LOWER[choice][0])
        value = draw(st.integers(-(2**63), bound - 1))
    else:
        bound, inclusive = LOWER[choice]
        value = draw(
            st.one_of(st.floats(max_value=bound, exclude_max=inclusive, allow_nan=False), st.just(-math.inf))
        )
    return with_value(section, key, value, f"negative {path_name(section, key)} = {value!r}")


@st.composite
def negative_budget_tables(draw: st.DrawFn) -> BadPlan:
    """The same limits written as tables (`max_in_flight = {count = -5}`), which the schema also reads."""
    section, key = draw(st.sampled_from(SHARES))
    number = draw(st.integers(1, 10**9))
    value = draw(
        st.sampled_from([{"count": -number}, {"percent": -float(number)}, {"percent": 100.0 + number}])
    )
    return with_value(section, key, value, f"table {path_name(section, key)} = {value!r}")


keys = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20
)


@st.composite
def unknown_keys(draw: st.DrawFn) -> BadPlan:
    section = draw(st.sampled_from(sorted(KNOWN)))
    key = draw(keys.filter(lambda k, s=section: k not in KNOWN[s] and k.strip() == k))
    plan = copy.deepcopy(BASE)
    table = table_of(plan, section)
    if section == "":
        table[key] = draw(st.one_of(st.integers(), words, st.dictionaries(words, st.integers(), max_size=2)))
    else:
        table[key] = draw(st.one_of(st.integers(), words, st.booleans()))
    names = (key, repr(key)[1:-1], json.dumps(key)[1:-1])
    return BadPlan(to_toml(plan).encode(), names, f"unknown key {key!r} in [{section}]")


BREAKS = [
    "name = ",
    'name = "unclosed',
    "x = [1, 2",
    "[fleets",
    "= 5",
    'x = "\\q"',
    "x = 1 2",
    "x = {a = 1,,}",
    "x = 0x",
    "x = 1979-05-27T07:32:00Zjunk",
    "[[boot]]",
    "dup = 1\ndup = 2",
    'x = "a\x01b"',
    "junk\x00",
    "x = tru",
    "x = 1.",
    "x = 'a' 'b'",
    "x.y = 1\nx = 2",
]
"""Lines that make any plan invalid TOML, wherever they are inserted (a redefinition of a key or a
table defined above, or plain syntax errors)."""


@st.composite
def invalid_toml(draw: st.DrawFn) -> BadPlan:
    text = to_toml(BASE).splitlines()
    breaks = draw(st.lists(st.sampled_from(BREAKS), min_size=1, max_size=3))
    for line in breaks:
        text.insert(draw(st.integers(0, len(text))), line)
    return BadPlan("\n".join(text).encode(), ("invalid TOML",), f"syntax {breaks!r}")


@st.composite
def binary_junk(draw: st.DrawFn) -> BadPlan:
    junk = bytearray(draw(st.binary(max_size=2000)))
    for _ in range(draw(st.integers(1, 3))):  # bytes that never appear in UTF-8
        junk.insert(draw(st.integers(0, len(junk))), draw(st.sampled_from([0xFF, 0xFE, 0xC0, 0xC1, 0xF8])))
    if draw(st.booleans()):
        junk = bytearray(to_toml(BASE).encode()) + junk
    return BadPlan(bytes(junk), ("UTF-8",), "binary junk")


@st.composite
def deep_nesting(draw: st.DrawFn) -> BadPlan:
    depth = draw(st.one_of(st.integers(1, 200), st.integers(200, 20_000)))
    shape = draw(st.sampled_from(["array", "inline", "headers", "dotted"]))
    plan = to_toml(BASE)
    if shape == "array":
        line = "nested = " + "[" * depth + "1" + "]" * depth
    elif shape == "inline":
        line = "nested = " + "{a = " * depth + "1" + "}" * depth
    elif shape == "headers":
        line = "[nested" + ".a" * depth + "]\nb = 1"
    else:
        line = "nested" + ".a" * depth + " = 1"
    before = draw(st.booleans())
    text = line + "\n" + plan if before and shape != "headers" else plan + "\n" + line + "\n"
    return BadPlan(
        text.encode(), ("nested", "invalid TOML", "deep", "nesting"), f"{shape} nested {depth} deep"
    )


@st.composite
def huge_strings(draw: st.DrawFn) -> BadPlan:
    char = draw(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]))
    where = draw(st.sampled_from(["name", "fleets.old", "fleets.new", "int", "key"]))
    if where == "name":
        return with_value("", "name", char * draw(st.integers(101, 100_000)), "huge name")
    if where.startswith("fleets."):
        key = where.split(".")[1]
        return with_value("fleets", key, char * draw(st.integers(256, 100_000)), f"huge {where}")
    if where == "int":
        section, key = draw(st.sampled_from(INTS))
        value = "x" * draw(st.integers(10_000, 100_000))
        return with_value(section, key, value, f"huge string for {path_name(section, key)}")
    plan = copy.deepcopy(BASE)
    key = "k" * draw(st.integers(10_000, 100_000))
    plan["drain"][key] = 1
    return BadPlan(to_toml(plan).encode(), ("k" * 50,), "huge unknown key")


DEFECTS = {
    "wrong_types": wrong_types(),
    "booleans_for_numbers": booleans_for_numbers(),
    "missing": missing(),
    "huge_numbers": huge_numbers(),
    "negative_budgets": negative_budgets(),
    "negative_budget_tables": negative_budget_tables(),
    "unknown_keys": unknown_keys(),
    "invalid_toml": invalid_toml(),
    "binary_junk": binary_junk(),
    "deep_nesting": deep_nesting(),
    "huge_strings": huge_strings(),
}
