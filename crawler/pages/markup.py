"""Text out of untrusted markup and script: highlighted titles, prices, counts, JavaScript literals.

Everything here is pure: strings and lxml elements in, plain values out. Nothing raises on odd input;
an unreadable value comes back as ``None``.
"""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

#: Tags that search engines and marketplaces use to highlight query terms in a title.
HIGHLIGHT_TAGS = frozenset({"em", "b", "strong", "i"})
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template"})


def _inner(node: Any) -> str:
    parts: list[str] = [html.escape(node.text or "", quote=False)]
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag and tag.lower() not in SKIPPED_TAGS:
            body = _inner(child)
            parts.append(f"<em>{body}</em>" if tag.lower() in HIGHLIGHT_TAGS else body)
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def marked_text(node: Any) -> str:
    """The text of an element with highlighted terms kept as ``<em>…</em>`` (other tags dropped).

    Lines are stripped and blank lines dropped; spaces inside a line are kept as they were. This is
    the form in which search-result titles are compared and shown with their highlights.
    """
    if isinstance(node, list):
        if not node:
            return ""
        node = node[0]
    root = getattr(node, "root", node)
    if isinstance(root, str):
        return "\n".join(line.strip() for line in root.splitlines() if line.strip())
    lines = (line.strip() for line in _inner(root).splitlines())
    return "\n".join(line for line in lines if line)


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def plain_text(value: str | None) -> str:
    """Tags removed, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", value))).strip()


def node_text(node: Any) -> str:
    """Whitespace-collapsed text of an element (or of the first element of a selector list)."""
    if isinstance(node, list):
        if not node:
            return ""
        node = node[0]
    root = getattr(node, "root", node)
    if root is None:
        return ""
    if isinstance(root, str):
        return plain_text(root)
    return _SPACE.sub(" ", "".join(root.itertext()) if isinstance(root, etree._Element) else "").strip()


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def parse_price(value: Any) -> tuple[Decimal | None, bool]:
    """``(price, masked)``: "¥1,299.00" → 1299.00; "1??9" or "***" → (None, True); junk → (None, False)."""
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, int | float | Decimal):
        try:
            price = Decimal(str(value))
        except InvalidOperation:
            return None, False
        return (price if price >= 0 else None), False
    text = str(value).strip()
    if not text:
        return None, False
    if re.search(r"\d[?？*＊]|[?？*＊]\d|^[?？*＊]+$", text):
        return None, True
    match = _NUMBER.search(text.replace("\u00a0", ""))
    if not match:
        return None, False
    number = match.group(0)
    last = max(number.rfind("."), number.rfind(","))
    if last >= 0 and len(number) - last - 1 in (1, 2):
        number = re.sub(r"[.,]", "", number[:last]) + "." + number[last + 1 :]
    else:
        number = re.sub(r"[.,]", "", number)
    try:
        return Decimal(number).quantize(Decimal("0.01")), False
    except InvalidOperation:
        return None, False


_COUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|w|W|k|K|千)?")


def parse_count(value: Any) -> int | None:
    """ "500+" → 500, "1.2万+" → 12000, "10,000+ sold" → 10000, "已拼10万+件" → 100000."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value).replace(",", "")
    match = _COUNT.search(text)
    if not match:
        return None
    number = float(match.group(1))
    unit = match.group(2)
    factor = {"万": 10_000, "w": 10_000, "W": 10_000, "k": 1000, "K": 1000, "千": 1000}.get(unit or "", 1)
    return int(number * factor)


def js_object_after(text: str, marker: str) -> Any:
    """The JavaScript object literal that follows ``marker`` (e.g. ``window._itemOnly = (``), as data.

    Handles the loose literals pages embed: trailing commas, single-quoted strings, unquoted keys.
    Returns ``None`` when the marker is absent or the literal cannot be read.
    """
    start = text.find(marker)
    if start < 0:
        return None
    brace = text.find("{", start + len(marker))
    if brace < 0:
        return None
    literal = _balanced(text, brace)
    if literal is None:
        return None
    return loads_js(literal)


def _balanced(text: str, start: int) -> str | None:
    depth = 0
    quote: str | None = None
    escaped = False
    for pos in range(start, len(text)):
        ch = text[pos]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return text[start : pos + 1]
    return None


_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_UNQUOTED_KEY = re.compile(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:")


def loads_js(literal: str) -> Any:
    try:
        return json.loads(literal)
    except ValueError:
        pass
    fixed = _requote(literal)
    fixed = _TRAILING_COMMA.sub(r"\1", fixed)
    fixed = _UNQUOTED_KEY.sub(r'\1"\2":', fixed)
    try:
        return json.loads(fixed)
    except ValueError:
        return None


def _requote(literal: str) -> str:
    """Single-quoted JavaScript strings become double-quoted JSON strings."""
    out: list[str] = []
    quote: str | None = None
    escaped = False
    for ch in literal:
        if quote:
            if escaped:
                escaped = False
                out.append("'" if ch == "'" else "\\" + ch)
                continue
            if ch == "\\":
                escaped = True
                continue
            if ch == quote:
                quote = None
                out.append('"')
                continue
            out.append('\\"' if ch == '"' and quote == "'" else ch)
            continue
        if ch in "\"'":
            quote = ch
            out.append('"')
            continue
        out.append(ch)
    return "".join(out)


def dig(data: Any, path: str, default: Any = None) -> Any:
    """Follow a dotted path (``data.wareList.0.name``) through dicts and lists; ``default`` if absent."""
    current = data
    for part in path.split("."):
        if part == "":
            continue
        if isinstance(current, dict):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(current) <= index < len(current):
                return default
            current = current[index]
        else:
            return default
    return current


def json_maybe_twice(value: Any) -> Any:
    """Some endpoints put JSON inside a JSON string; decode until it is not a string any more."""
    for _ in range(3):
        if not isinstance(value, str):
            return value
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return value


def strip_jsonp(text: str) -> str:
    """``callback({...})`` → ``{...}``; plain JSON passes through."""
    stripped = text.strip()
    if stripped[:1] in "{[":
        return stripped
    if stripped.startswith("/**/"):
        stripped = stripped[4:].lstrip()
    match = re.match(r"^[\w$.]+\s*\((.*)\)\s*;?\s*$", stripped, re.S)
    return match.group(1) if match else stripped


_JSONP = re.compile(r"^\s*(?:/\*\*/\s*)?[A-Za-z_$][\w$.]*\s*\(")
_HEX_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\x([0-9a-fA-F]{2})")


def looks_like_json(text: str) -> bool:
    """A JSON body, bare or wrapped in a JSONP callback of any name (``searchCB(``, ``mtopjsonp3(``)."""
    head = text.lstrip()[:200]
    return head[:1] in "{[" or bool(_JSONP.match(head))


def loads_lenient(text: str) -> Any:
    """JSON or JSONP (any callback name) as data; JavaScript ``\\xNN`` escapes, which are not JSON, are
    read as the characters they stand for. ``None`` when the text cannot be read (truncated, not JSON)."""
    body = strip_jsonp(text)
    try:
        return json.loads(body)
    except ValueError:
        pass
    fixed = _HEX_ESCAPE.sub(lambda m: f"{m.group(1)}\\u00{m.group(2)}", body)
    try:
        return json.loads(fixed)
    except ValueError:
        return loads_js(fixed)


_ASSIGNED = re.compile(r"(?:=|export\s+default|JSON\.parse\()\s*\(?\s*(?=[{\[])")


def assigned_objects(text: str, limit: int = 50) -> list[Any]:
    """Every object literal a script assigns or exports (``x = {…}``, ``export default {…}``), in page
    order, outer literals only; unreadable ones are left out."""
    found: list[Any] = []
    end = -1
    for match in _ASSIGNED.finditer(text):
        start = match.end()
        if start < end:
            continue
        literal = _balanced(text, start)
        if literal is None:
            continue
        end = start + len(literal)
        value = loads_js(literal)
        if value is not None:
            found.append(value)
        if len(found) >= limit:
            break
    return found


def find_dict(data: Any, test: Any, depth: int = 10) -> Any:
    """The first dict (depth first, in document order) for which ``test(d)`` is true, or ``None``."""
    if depth < 0:
        return None
    if isinstance(data, dict):
        if test(data):
            return data
        children = data.values()
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        if isinstance(child, dict | list):
            hit = find_dict(child, test, depth - 1)
            if hit is not None:
                return hit
    return None


_BREAK = re.compile(r"<br\s*/?>|[\r\n\t\f\v]+", re.I)


def display_text(value: str | None) -> str:
    """A title as the page shows it: tags removed (a highlighted term stays where it was, without a
    space around it), entities decoded, line breaks and tabs made spaces, ends trimmed; runs of spaces
    inside the title are kept as the platform served them."""
    if not value:
        return ""
    text = _BREAK.sub(" ", value)
    return html.unescape(_TAG.sub("", text)).strip()


_HAS_TAG = re.compile(r"<[A-Za-z/][^>]*>")


def json_title(value: Any) -> str:
    """A title taken from JSON, as markup: kept as is when it carries highlight tags, escaped otherwise
    (so that a literal ``<`` or ``&`` in a plain title is not read as markup)."""
    if not isinstance(value, str):
        return ""
    return value if _HAS_TAG.search(value) else html.escape(value, quote=False)
