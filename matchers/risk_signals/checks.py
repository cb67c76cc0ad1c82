"""The list-backed checks: licence registry, licensed-merchandise allow-list, company blacklist, and the
category rule that a licence or CCC must be shown. Plain types in, findings out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from matchers.risk_signals.companies import company_core, same_company
from matchers.risk_signals.findings import Finding
from matchers.risk_signals.licences import CertificateClaim, normalise_number

BAD_STATUS = {
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "注销": "cancelled",
    "已注销": "cancelled",
    "revoked": "revoked",
    "撤销": "revoked",
    "已撤销": "revoked",
    "吊销": "revoked",
    "suspended": "suspended",
    "暂停": "suspended",
    "expired": "expired",
    "过期": "expired",
    "已过期": "expired",
    "失效": "expired",
}


@dataclass
class ListingFacts:
    """What a listing shows, as far as these checks need it."""

    listing_id: str
    title: str = ""
    brand: str | None = None
    seller: str | None = None
    manufacturer: str | None = None
    category: str | None = None
    claims: list[CertificateClaim] = field(default_factory=list)


@dataclass
class RegistryEntry:
    entry_id: str
    number: str
    holder: str = ""
    status: str = "valid"
    cancelled_on: date | None = None
    valid_until: date | None = None
    product: str = ""


@dataclass
class LicensedEntry:
    """A licensed brand or character and who may make or sell it."""

    entry_id: str
    names: list[str]
    manufacturers: list[str]
    products: list[str] = field(default_factory=list)


@dataclass
class BlacklistEntry:
    entry_id: str
    company: str
    reason: str = ""


def registry_index(entries: list[RegistryEntry]) -> dict[str, RegistryEntry]:
    return {normalise_number(e.number): e for e in entries if e.number}


def check_claims(
    facts: ListingFacts,
    registry: dict[str, RegistryEntry],
    today: date,
    kinds: tuple[str, ...] = ("licence", "ccc"),
) -> list[Finding]:
    """One finding per claimed number that is cancelled, revoked, suspended, expired or not in the
    registry. Unknown numbers count less than numbers the registry says are dead, and are only reported
    when the registry holds numbers of that kind at all."""
    has_ccc = any(n.isdigit() for n in registry)
    has_licences = any(not n.isdigit() for n in registry)
    findings = []
    for claim in facts.claims:
        if claim.kind not in kinds:
            continue
        entry = registry.get(claim.number)
        label = "production licence" if claim.kind == "licence" else "CCC certificate"
        if entry is None:
            if not (has_ccc if claim.kind == "ccc" else has_licences):
                continue
            findings.append(
                Finding(
                    kind="licence",
                    subject=f"number:{claim.number}",
                    strength=0.6,
                    reasons=[f"{label} {claim.number} ({claim.where}) is not in the licence registry"],
                    details={"number": claim.number, "state": "unknown"},
                )
            )
            continue
        state = BAD_STATUS.get((entry.status or "").strip().lower())
        if state is None and entry.valid_until is not None and entry.valid_until < today:
            state = "expired"
        if state is None:
            continue
        when = entry.cancelled_on or (entry.valid_until if state == "expired" else None)
        reason = f"{label} {claim.number} ({claim.where}) is {state} in the registry (entry {entry.entry_id}"
        reason += f", holder {entry.holder}" if entry.holder else ""
        reason += f", since {when.isoformat()}" if when else ""
        reason += ")"
        holder_note = []
        if entry.holder and facts.manufacturer and not same_company(entry.holder, facts.manufacturer)[0]:
            holder_note.append(f"the listing names maker '{facts.manufacturer}', not the holder")
        findings.append(
            Finding(
                kind="licence",
                subject=f"number:{claim.number}",
                strength=1.0 if state in ("cancelled", "revoked") else 0.8,
                reasons=[reason, *holder_note],
                details={"number": claim.number, "state": state, "entry_id": entry.entry_id},
            )
        )
    return findings


def check_required(facts: ListingFacts, licence_required: bool, ccc_required: bool) -> list[Finding]:
    """A low-weight finding when the category needs a licence or CCC and the listing shows none."""
    findings = []
    kinds = {c.kind for c in facts.claims}
    if licence_required and "licence" not in kinds:
        findings.append(
            Finding(
                kind="licence_missing",
                subject="required:licence",
                strength=0.5,
                reasons=[
                    f"category {facts.category} needs a production licence; the listing shows no licence number"
                ],
            )
        )
    if ccc_required and "ccc" not in kinds:
        findings.append(
            Finding(
                kind="ccc_missing",
                subject="required:ccc",
                strength=0.5,
                reasons=[
                    f"category {facts.category} needs CCC certification; the listing shows no CCC number"
                ],
            )
        )
    return findings


def _claims_name(text: str, name: str) -> bool:
    name = name.strip().lower()
    return len(name) >= 2 and name in text


def check_licensed(facts: ListingFacts, entries: list[LicensedEntry]) -> list[Finding]:
    """A counterfeit-risk finding when the listing claims a licensed brand or character but neither its
    manufacturer nor its seller is one of the licensed makers."""
    text = f"{facts.title} {facts.brand or ''}".lower()
    findings = []
    for entry in entries:
        claimed = next((n for n in entry.names if _claims_name(text, n)), None)
        if claimed is None or not entry.manufacturers:
            continue
        parties = [p for p in (facts.manufacturer, facts.seller) if p]
        if any(same_company(p, m)[0] for p in parties for m in entry.manufacturers):
            continue
        if any(company_core(claimed) and company_core(claimed) in company_core(p) for p in parties):
            continue
        who = ", ".join(f"'{p}'" for p in parties) or "an unnamed maker"
        findings.append(
            Finding(
                kind="licensed_ip",
                subject=f"entry:{entry.entry_id}",
                strength=0.8,
                reasons=[
                    f"claims licensed '{claimed}' (allow-list entry {entry.entry_id}) but {who} is not among"
                    f" the licensed makers: {', '.join(entry.manufacturers)}"
                ],
                details={"claimed": claimed, "entry_id": entry.entry_id},
            )
        )
    return findings


def check_blacklist(facts: ListingFacts, entries: list[BlacklistEntry]) -> list[Finding]:
    findings = []
    for entry in entries:
        for role, party in (("manufacturer", facts.manufacturer), ("seller", facts.seller)):
            same, why = same_company(party, entry.company)
            if not same:
                continue
            reason = f"{role} is on the company blacklist (entry {entry.entry_id}): {why}"
            if entry.reason:
                reason += f"; listed for: {entry.reason}"
            findings.append(
                Finding(
                    kind="blacklist",
                    subject=f"entry:{entry.entry_id}",
                    strength=1.0 if role == "manufacturer" else 0.9,
                    reasons=[reason],
                    details={"entry_id": entry.entry_id, "role": role},
                )
            )
            break
    return findings
