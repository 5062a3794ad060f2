"""pydantic's errors about `opsbot.yaml`, said in the words of someone editing the file.

`'funday' is not one of 'mon', …` rather than `Input should be 'mon', …`; `not a key opsbot
knows here; did you mean 'timezone'?` rather than `Extra inputs are not permitted`. Types
of error not listed keep pydantic's own message.
"""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from bot.config.model import shown

_WHOLE_NUMBER = ("int_type", "int_parsing", "int_from_float", "int_parsing_size")
_MAPPING = ("dict_type", "model_type", "model_attributes_type")


def describe(error: ErrorDetails, model: type[BaseModel]) -> str:
    """What is wrong, in words; `model` is the one validated (for the keys it knows)."""
    kind, value = error["type"], error.get("input")
    limits = error.get("ctx") or {}
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    if kind == "missing":
        return "required, but not given"
    if kind == "extra_forbidden":
        return _unknown_key(error["loc"], model)
    if kind == "string_type":
        quote = f' (put it in quotes: "{shown(value)}")' if _scalar(value) else ""
        return f"must be text, not {shown(value)}{quote}"
    if kind in _WHOLE_NUMBER:
        return f"{shown(value)} is not a whole number"
    if kind == "list_type":
        return f"must be a list such as [a, b], not {shown(value)}"
    if kind in _MAPPING:
        return f"must be a mapping of keys to values, not {shown(value)}"
    if kind == "literal_error":
        expected = str(limits.get("expected", ""))
        options = f"one of {expected}" if ", " in expected else expected
        return f"must be {options}, not {shown(value)}"
    if kind == "greater_than":
        return f"must be more than {limits.get('gt')}, not {shown(value)}"
    if kind == "greater_than_equal":
        return f"must be {limits.get('ge')} or more, not {shown(value)}"
    if kind == "less_than_equal":
        return f"must be {limits.get('le')} or less, not {shown(value)}"
    return error["msg"]


def _scalar(value: Any) -> bool:
    return value is not None and isinstance(value, bool | int | float)


def _unknown_key(loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    known = keys_at(model, loc[:-1])
    if not known:
        return "is not a key opsbot knows here"
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    guess = f"; did you mean {close[0]!r}?" if close else "."
    return f"is not a key opsbot knows here{guess} The keys here are {', '.join(known)}"


def keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys of the mapping at `loc` in `model` (list positions skipped)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part)) if current else None
        current = _model_in(field.annotation) if field else None
        if current is None:
            return []
    return list(current.model_fields) if current else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside `list[Window]`, `Escalation | None` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
