"""Production licence (生产许可证) and CCC certificate numbers: finding them in text, normalising them.

Forms read:
- industrial production licence ``XK`` + 2-digit category + 3-digit product + 5-digit serial, often with a
  province prefix: ``(浙)XK06-001-00123``, ``XK16-204-01234``, ``XK 16 204 01234``;
- food production licence ``SC`` + 14 digits (the form that replaced ``QS``);
- CCC certificate numbers: 16 digits starting with the year (``2020011606123456``); next to a CCC/3C label,
  14 to 16 digits are read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_DASH = r"\s*[-－—–_ ]?\s*"
XK_PATTERN = re.compile(
    r"(?:[(（]\s*([\u4e00-\u9fff])\s*[)）]\s*)?(?<![A-Z0-9])XK"
    + _DASH
    + r"(\d{2})"
    + _DASH
    + r"(\d{3})"
    + _DASH
    + r"(\d{5})(?!\d)"
)
SC_PATTERN = re.compile(r"(?<![A-Z0-9])SC\s*(\d{14})(?!\d)")
CCC_LABEL = re.compile(r"(?:CCC|3C|强制性?认证|认证证书|证书编号|证书号)")
CCC_NEAR_LABEL = re.compile(r"(?<!\d)(20[0-3]\d{11,13})(?!\d)")
CCC_BARE = re.compile(r"(?<!\d)(20[0-3]\d{13})(?!\d)")
LICENCE_LABEL = re.compile(r"(?:生产许可证?|许可证编号|许可证号|XK)")


@dataclass(frozen=True)
class CertificateClaim:
    """A number a listing shows: ``kind`` is ``licence`` (XK/SC) or ``ccc``; ``number`` is normalised."""

    kind: str
    number: str
    raw: str
    where: str = ""


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").upper()


def normalise_number(value: str) -> str:
    """One spelling per number: no province prefix, ASCII, upper case, XK parts joined by dashes."""
    text = _fold(value)
    match = XK_PATTERN.search(text)
    if match:
        return f"XK{match.group(2)}-{match.group(3)}-{match.group(4)}"
    match = SC_PATTERN.search(text)
    if match:
        return f"SC{match.group(1)}"
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"20[0-3]\d{11,13}", digits):
        return digits
    return re.sub(r"[\s\-－—–_()（）]", "", text)


def extract_claims(text: str, where: str = "", labelled_ccc: bool = False) -> list[CertificateClaim]:
    """Every licence and CCC number in ``text``, in order of appearance, each once. ``labelled_ccc`` says
    the text is the value of a field whose label names a CCC certificate."""
    folded = _fold(text)
    found: list[tuple[int, CertificateClaim]] = []
    taken: list[tuple[int, int]] = []
    for match in XK_PATTERN.finditer(folded):
        number = f"XK{match.group(2)}-{match.group(3)}-{match.group(4)}"
        found.append((match.start(), CertificateClaim("licence", number, match.group(0).strip(), where)))
        taken.append(match.span())
    for match in SC_PATTERN.finditer(folded):
        found.append(
            (match.start(), CertificateClaim("licence", f"SC{match.group(1)}", match.group(0), where))
        )
        taken.append(match.span())
    near_label = labelled_ccc or bool(CCC_LABEL.search(folded))
    pattern = CCC_NEAR_LABEL if near_label else CCC_BARE
    for match in pattern.finditer(folded):
        if any(a <= match.start() < b for a, b in taken):
            continue
        found.append((match.start(), CertificateClaim("ccc", match.group(1), match.group(0), where)))
    seen: set[tuple[str, str]] = set()
    claims = []
    for _, claim in sorted(found, key=lambda pair: pair[0]):
        if (claim.kind, claim.number) not in seen:
            seen.add((claim.kind, claim.number))
            claims.append(claim)
    return claims


def claims_in_listing(title: str, specs: dict[str, object], detail: str = "") -> list[CertificateClaim]:
    """Claims from the title, each spec (label and value) and the detail text, each number once."""
    claims: list[CertificateClaim] = []
    seen: set[tuple[str, str]] = set()

    def add(items: list[CertificateClaim]) -> None:
        for claim in items:
            if (claim.kind, claim.number) not in seen:
                seen.add((claim.kind, claim.number))
                claims.append(claim)

    add(extract_claims(title, "title"))
    for label, value in (specs or {}).items():
        label_text = _fold(str(label))
        add(extract_claims(f"{value}", f"spec {label}", labelled_ccc=bool(CCC_LABEL.search(label_text))))
    add(extract_claims(detail, "detail"))
    return claims


def mentions_licence(text: str) -> bool:
    return bool(LICENCE_LABEL.search(_fold(text)))
