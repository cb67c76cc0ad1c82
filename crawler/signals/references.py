"""Active reference entries of the registry, allow-list and blacklist as the plain types of the checks."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from crawler.storage.models import ListType, ReferenceEntry
from matchers.risk_signals.checks import BlacklistEntry, LicensedEntry, RegistryEntry

SPLIT = re.compile(r"[;；/、|]")


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _parts(*values: Any) -> list[str]:
    out: list[str] = []
    for value in values:
        items = value if isinstance(value, list) else SPLIT.split(str(value or ""))
        out += [str(v).strip() for v in items if str(v or "").strip()]
    return list(dict.fromkeys(out))


def registry_entries(entries: list[ReferenceEntry]) -> list[RegistryEntry]:
    out = []
    for e in entries:
        if e.list_type != ListType.LICENCE:
            continue
        extra = e.extra or {}
        number = str(extra.get("licence_no") or extra.get("certificate_no") or "").strip()
        if not number:
            continue
        out.append(
            RegistryEntry(
                entry_id=str(e.id),
                number=number,
                holder=str(extra.get("holder") or e.manufacturer or ""),
                status=str(extra.get("status") or "valid"),
                cancelled_on=_date(extra.get("cancelled_on")),
                valid_until=_date(extra.get("valid_until")),
                product=e.product_name or "",
            )
        )
    return out


def licensed_entries(entries: list[ReferenceEntry]) -> list[LicensedEntry]:
    out = []
    for e in entries:
        if e.list_type != ListType.LICENSED:
            continue
        extra = e.extra or {}
        names = _parts(e.brand, extra.get("ip"), extra.get("character"), extra.get("brand_aliases"))
        makers = _parts(e.manufacturer, extra.get("licensees"), extra.get("licensed_sellers"))
        if names and makers:
            out.append(LicensedEntry(str(e.id), names, makers, _parts(e.product_name, e.models)))
    return out


def blacklist_entries(entries: list[ReferenceEntry]) -> list[BlacklistEntry]:
    out = []
    for e in entries:
        if e.list_type != ListType.BLACKLIST or not (e.manufacturer or "").strip():
            continue
        reason = "; ".join(p for p in (e.hazard, str((e.extra or {}).get("reason_detail") or "")) if p)
        out.append(BlacklistEntry(str(e.id), e.manufacturer.strip(), reason))
    return out
