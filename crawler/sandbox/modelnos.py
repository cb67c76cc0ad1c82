"""How sellers write a model number: other hyphens, spaces, case, full-width characters; and neighbours."""

from __future__ import annotations

import re

from crawler.sandbox.hashing import h64, pick

STYLES = (
    "exact",
    "no_hyphen",
    "space",
    "fullwidth_hyphen",
    "lower",
    "fullwidth",
    "spaced_digits",
    "underscore",
)
HYPHENS = ("-", "－", "‐", "–", "—", "_", " ", "")


def fullwidth(text: str) -> str:
    return "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ("\u3000" if ch == " " else ch) for ch in text
    )


def seller_variant(model: str, style: str) -> str:
    """``model`` written in ``style`` (one of STYLES)."""
    if style == "no_hyphen":
        return re.sub(r"[-_ ]", "", model)
    if style == "space":
        return re.sub(r"[-_]", " ", model)
    if style == "fullwidth_hyphen":
        return model.replace("-", "－")
    if style == "lower":
        return model.lower()
    if style == "fullwidth":
        return fullwidth(model)
    if style == "spaced_digits":
        return re.sub(r"(?<=[A-Za-z])(?=\d)", " ", model.replace("-", ""))
    if style == "underscore":
        return model.replace("-", "_")
    return model


def neighbour(model: str, *key: object) -> str:
    """A neighbouring model of the same range: the last number moved by one or two, or a suffix added."""
    numbers = list(re.finditer(r"\d+", model))
    if numbers and h64(*key, "nb-kind") % 4 != 0:
        last = numbers[-1]
        value = int(last.group())
        step = 1 + h64(*key, "nb-step") % 2
        new = value + step if value < 10 ** len(last.group()) - step else value - step
        digits = str(new).zfill(len(last.group()))
        return model[: last.start()] + digits + model[last.end() :]
    return model + pick(("S", "Pro", "II", "-A", "Plus", "L"), *key, "nb-suffix")


def random_model(*key: object) -> str:
    letters = "ABCDEFGHJKLMNPQRSTWXYZ"
    a = letters[h64(*key, "m1") % len(letters)]
    b = letters[h64(*key, "m2") % len(letters)]
    num = 100 + h64(*key, "m3") % 9900
    sep = pick(("-", "", "-", " "), *key, "m4")
    tail = pick(("", "", "", "S", "A", "B", "Pro"), *key, "m5")
    return f"{a}{b}{sep}{num}{tail}"


def ean13(*key: object, prefix: str = "69") -> str:
    body = prefix + str(h64(*key, "ean") % 10 ** (12 - len(prefix))).zfill(12 - len(prefix))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)
