"""JSON lines: one object per line, a bad line reported with its number and the rest still read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler.references.result import ReadContext

MAX_LINE_CHARS = 1_000_000


def objects(ctx: ReadContext, lines: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        location = f"line {number}"
        if len(line) > MAX_LINE_CHARS:
            ctx.problem(location, f"line of {len(line)} characters exceeds the limit of {MAX_LINE_CHARS}")
            continue
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            ctx.problem(location, f"not valid JSON: {reason}")
            continue
        if not isinstance(item, dict):
            ctx.problem(location, f"expected a JSON object, found {type(item).__name__}")
            continue
        yield location, item
