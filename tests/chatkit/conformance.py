"""Checks a server's JSON against the reference models of `openai-chatkit`.

Pydantic ignores keys a model does not know, so validation alone would let
stray keys through: every answer is also compared, key by key, with the
model's own dump (nulls left out, as the reference server sends them)."""

from __future__ import annotations

import json
from typing import Any

from chatkit.types import Page, Thread, ThreadItem, ThreadStreamEvent
from pydantic import TypeAdapter

EVENT = TypeAdapter(ThreadStreamEvent)
THREAD = TypeAdapter(Thread)
THREAD_PAGE = TypeAdapter(Page[Thread])
ITEM_PAGE = TypeAdapter(Page[ThreadItem])


def same_keys(raw: Any, dumped: Any, path: str = "$") -> None:
    """`raw` has exactly the keys of `dumped`, at every depth."""
    if isinstance(raw, dict):
        assert isinstance(dumped, dict), f"{path}: an object where the model has {dumped!r}"
        extra, missing = set(raw) - set(dumped), set(dumped) - set(raw)
        assert not extra, f"{path}: keys the model does not know: {sorted(extra)}"
        assert not missing, f"{path}: keys the model sends but the server left out: {sorted(missing)}"
        for key, value in raw.items():
            same_keys(value, dumped[key], f"{path}.{key}")
    elif isinstance(raw, list):
        assert isinstance(dumped, list) and len(raw) == len(dumped), f"{path}: list differs"
        for i, (a, b) in enumerate(zip(raw, dumped)):
            same_keys(a, b, f"{path}[{i}]")
    else:
        assert raw is not None, f"{path}: null sent instead of leaving the key out"


def check(adapter: TypeAdapter, text: str | bytes) -> dict:
    """Strict validation plus the key comparison; returns the raw JSON."""
    model = adapter.validate_json(text, strict=True)
    raw = json.loads(text)
    same_keys(raw, adapter.dump_python(model, mode="json", exclude_none=True))
    check_timestamps(raw)
    return raw


def check_timestamps(raw: Any) -> None:
    """Every `created_at` is ISO-8601 in UTC."""
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key == "created_at":
                assert isinstance(value, str) and value.endswith("Z"), value
            check_timestamps(value)
    elif isinstance(raw, list):
        for value in raw:
            check_timestamps(value)


def validate_event(frame: str) -> dict:
    return check(EVENT, frame)
