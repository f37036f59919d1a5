"""Frozen dataclasses of plain values (the topology, the log plan) to JSON and back, fast.

The discovery cache keeps what discovery built, so a second trace does not run the importer and
the loader's validation again. Decoding is driven by the dataclasses' type hints and checks
every value's type (a damaged document is refused, never half-read), but it does not re-check
what validation already proved (addresses, references): the cache's content hash vouches that
the document is the one netlogs wrote. ``signature`` changes whenever a field or its type
changes, so a cache written by another shape of the model is never decoded.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Decoder = Callable[[Any], Any]


class FrozenJsonError(ValueError):
    """The document does not have the shape of the dataclass (it is not used)."""


def to_plain(value: Any) -> Any:
    """Dataclasses become objects keyed by field name, tuples become lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_plain(item) for item in value]
    return value


def from_plain(cls: type[T], document: Any) -> T:
    """The dataclass ``cls`` from what ``to_plain`` made of one.

    Raises:
        FrozenJsonError: a missing or extra field, or a value of the wrong type.
    """
    value: T = _decoder(cls)(document)
    return value


@functools.cache
def signature(*classes: type) -> str:
    """A short hash of the fields and types of ``classes`` and every dataclass they contain."""
    seen: dict[str, str] = {}
    pending: list[Any] = list(classes)
    while pending:
        hint = pending.pop()
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            key = f"{hint.__module__}.{hint.__qualname__}"
            if key in seen:
                continue
            hints = typing.get_type_hints(hint)
            fields = dataclasses.fields(hint)
            seen[key] = ",".join(f"{f.name}:{hints[f.name]!r}" for f in fields)
            pending.extend(hints[f.name] for f in fields)
        else:
            pending.extend(typing.get_args(hint))
    text = "\n".join(f"{k}={v}" for k, v in sorted(seen.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_DECODERS: dict[Any, Decoder] = {}


def _decoder(hint: Any) -> Decoder:
    found = _DECODERS.get(hint)
    if found is None:
        found = _build(hint)
        _DECODERS[hint] = found
    return found


def _build(hint: Any) -> Decoder:
    if hint in (str, int, bool, float):
        return _scalar(hint)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _record(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _decoder(next(a for a in args if a is not type(None)))
        return lambda v: None if v is None else inner(v)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _decoder(args[0])
        return lambda v: tuple(map(item, _list(v)))
    if origin is tuple:
        return _fixed_tuple(tuple(_decoder(a) for a in args))
    raise TypeError(f"frozen_json: unsupported type {hint!r}")


def _scalar(kind: type) -> Decoder:
    accepted = (int, float) if kind is float else (kind,)

    def check(value: Any) -> Any:
        if type(value) not in accepted:
            raise FrozenJsonError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return check


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise FrozenJsonError(f"expected a list, got {type(value).__name__}")
    return value


def _fixed_tuple(items: tuple[Decoder, ...]) -> Decoder:
    def decode(value: Any) -> tuple[Any, ...]:
        if len(_list(value)) != len(items):
            raise FrozenJsonError(f"expected {len(items)} items, got {len(value)}")
        return tuple(item(v) for item, v in zip(items, value, strict=True))

    return decode


def _record(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    fields: list[tuple[str, Decoder]] = []

    def decode(value: Any) -> Any:
        if not fields:  # built on first use: dataclasses may refer to themselves
            fields.extend((name, _decoder(hints[name])) for name in names)
        if type(value) is not dict or len(value) != len(fields):
            raise FrozenJsonError(f"{cls.__name__}: expected an object of {len(fields)} fields")
        try:
            return cls(**{name: field(value[name]) for name, field in fields})
        except KeyError as missing:
            raise FrozenJsonError(f"{cls.__name__}: no field {missing}") from None

    return decode
