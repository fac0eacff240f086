"""The JSON Schema of the flow format, generated from the model classes."""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from dropwizard.wizard.model import (
    DropType,
    FindingSpec,
    Fix,
    Flow,
    Node,
    Option,
    PreventionItem,
)
from dropwizard.wizard.validate import EXTENSION_PREFIX, schema_fields, unwrap_optional

MODELS: tuple[type, ...] = (Flow, Node, Option, FindingSpec, Fix, DropType, PreventionItem)


def _type_schema(tp: Any) -> dict[str, Any]:
    inner, optional = unwrap_optional(tp)
    origin = typing.get_origin(inner)
    if inner is str:
        out: dict[str, Any] = {"type": "string"}
    elif inner is int:
        out = {"type": "integer"}
    elif origin is list:
        (item,) = typing.get_args(inner)
        out = {"type": "array", "items": _type_schema(item)}
    elif origin is dict:
        _key, value = typing.get_args(inner)
        out = {"type": "object", "additionalProperties": _type_schema(value)}
    elif dataclasses.is_dataclass(inner):
        out = {"$ref": f"#/$defs/{inner.__name__}"}
    else:
        raise TypeError(f"no schema for {tp!r}")
    if optional:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def _model_schema(cls: type) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for f, tp in schema_fields(cls):
        prop = _type_schema(tp)
        prop = {"description": f.metadata.get("doc", ""), **prop}
        if "enum" in f.metadata:
            prop["enum"] = list(f.metadata["enum"])
        if "keys" in f.metadata:
            prop["propertyNames"] = {"enum": list(f.metadata["keys"])}
        if f.metadata.get("required"):
            required.append(f.name)
            if "anyOf" in prop:
                prop = {k: v for k, v in prop.items() if k != "anyOf"} | prop["anyOf"][0]
        props[f.name] = prop
    doc = (cls.__doc__ or "").strip().splitlines()
    out: dict[str, Any] = {
        "type": "object",
        "description": doc[0] if doc else cls.__name__,
        "properties": props,
        "required": required,
        "patternProperties": {f"^{EXTENSION_PREFIX}": {}},
        "additionalProperties": False,
    }
    if cls is Node:
        out["allOf"] = [
            {
                "if": {"properties": {"type": {"enum": ["ask", "check"]}}},
                "then": {"required": ["options"], "properties": {"options": {"minItems": 1}}},
            },
            {
                "if": {"properties": {"type": {"const": "finding"}}},
                "then": {"required": ["finding"]},
            },
        ]
    return out


def flow_schema() -> dict[str, Any]:
    """The flow format as a JSON Schema (draft 2020-12)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dropwizard flow",
        "description": "A decision tree as data (docs/flow-format.md).",
        "$ref": "#/$defs/Flow",
        "$defs": {cls.__name__: _model_schema(cls) for cls in MODELS},
    }


def schema_text() -> str:
    """The schema as `flows/schema.json` holds it."""
    return json.dumps(flow_schema(), indent=2, ensure_ascii=False) + "\n"
