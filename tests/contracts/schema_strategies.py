"""Hypothesis strategies from the JSON schemas pydantic writes for the event contracts.

A small generator for the subset those schemas use ($ref, anyOf, enum, objects, arrays with
uniqueItems, strings with pattern/length/format, bounded integers, booleans, null), so every
value a contract's published schema admits can be tried.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

Schema = dict[str, Any]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
FORMATS = {
    "uuid": st.uuids().map(str),
    "date": st.dates().map(lambda d: d.isoformat()),
    "date-time": st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
}


def from_schema(schema: Schema, defs: Schema | None = None) -> st.SearchStrategy[Any]:
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: from_schema(defs[name], defs))
    if "anyOf" in schema:
        return st.one_of([from_schema(option, defs) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, defs)
    if kind == "array":
        items = from_schema(schema.get("items", {}), defs)
        return st.lists(items, min_size=schema.get("minItems", 0),
                        max_size=min(schema.get("maxItems", 5), 5),
                        unique_by=_key if schema.get("uniqueItems") else None)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return st.none() | st.booleans() | st.integers() | TEXT


def _object(schema: Schema, defs: Schema) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {name: from_schema(sub, defs) for name, sub in properties.items() if name in required},
        optional={name: from_schema(sub, defs) for name, sub in properties.items()
                  if name not in required})


def _string(schema: Schema) -> st.SearchStrategy[str]:
    if schema.get("format") in FORMATS:
        return FORMATS[schema["format"]]
    low, high = schema.get("minLength", 0), min(schema.get("maxLength", 60), 60)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda text: low <= len(text) <= schema.get("maxLength", 10**9))
    return st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=low,
                   max_size=max(low, high))


def _key(value: Any) -> Any:
    return repr(value)
