"""Failed lab samples become entries of the non-compliant reference list "lab-results".

Each failure is a :class:`~crawler.references.records.ReferenceRecord` (list type ``noncompliant``,
keyed by the sample ID) with the product as the listing showed it — name, brand, model, batch,
barcodes, the manufacturer the label names or else the shop — the failed test items as the hazard,
the lab report as the source, and the listing's photos. The list grows by versions: each import
stores a new version holding every earlier entry plus the new ones, which becomes the active one that
the matching run reads through ``ReferenceRepository.active_entries``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from crawler.purchases.actors import Actor, actor_name, audit
from crawler.purchases.export import BATCH_KEYS, MANUFACTURER_KEYS, spec_value
from crawler.references.importer import _copy, _entry, compute_diff
from crawler.references.normalise import split_models
from crawler.references.records import ReferenceRecord
from crawler.storage.models import ListType, Purchase, ReferenceListVersion
from crawler.storage.repositories.references import ReferenceRepository
from crawler.timeutil import Clock

LIST_CODE = "lab-results"
LIST_NAME = "网购抽样检验不合格产品 (test-purchase lab results)"
LIST_SOURCE = "testing lab reports of the bureau's test purchases"
FORMAT = "lab_results"


@dataclass
class FailedSample:
    purchase: Purchase
    report_no: str
    report_date: date
    failed_items: list[str]


def record_for(failure: FailedSample) -> ReferenceRecord:
    purchase = failure.purchase
    listing = purchase.listing
    sample = purchase.sample
    code = sample.sample_code if sample else f"purchase-{purchase.id}"
    shop = listing.seller.name if listing.seller else ""
    manufacturer = spec_value(listing.specs, MANUFACTURER_KEYS) or shop or None
    batch = spec_value(listing.specs, BATCH_KEYS)
    models = split_models(listing.model) if listing.model else []
    lab = purchase.lab
    hazard = "不合格项目：" + "、".join(failure.failed_items)
    return ReferenceRecord(
        ref_id=code,
        list_type=ListType.NONCOMPLIANT,
        product_name=listing.title or "",
        brand=listing.brand or None,
        models=models or ([listing.model] if listing.model else []),
        batches=[batch] if batch else [],
        barcodes=list(listing.barcodes or []),
        manufacturer=manufacturer,
        category=listing.category.code if listing.category else None,
        category_text=listing.category.name_zh if listing.category else None,
        hazard=hazard,
        source=f"{lab.name if lab else 'lab'} 检验报告 {failure.report_no}",
        source_url=listing.url or None,
        photos=[img.source_url for img in listing.images],
        published_on=failure.report_date,
        extra={
            "report_no": failure.report_no,
            "lab": lab.code if lab else None,
            "sample_code": code,
            "failed_items": list(failure.failed_items),
            "listing_id": listing.id,
            "platform": listing.platform.code,
            "platform_item_id": listing.platform_item_id,
            "shop": shop,
            "purchase_id": purchase.id,
        },
        raw={"sample_code": code, "report_no": failure.report_no, "failed_items": list(failure.failed_items)},
    )


def add_failures(
    session: Session,
    clock: Clock,
    actor: Actor,
    failures: list[FailedSample],
    file_name: str = "",
    file_sha256: str = "",
) -> ReferenceListVersion:
    """Store a new version of the "lab-results" list: the earlier entries plus ``failures``."""
    repo = ReferenceRepository(session, clock)
    reference_list = repo.get_or_create_list(LIST_CODE, LIST_NAME, ListType.NONCOMPLIANT, source=LIST_SOURCE)
    previous = repo.latest_version(reference_list)
    before = repo.entry_hashes(previous) if previous else {}
    category_ids = repo.category_ids()
    new_entries = {}
    for failure in failures:
        entry = _entry(record_for(failure), category_ids)
        new_entries[entry.ref_key] = entry
    kept = [_copy(e) for e in repo.entries(previous) if e.ref_key not in new_entries] if previous else []
    after = {key: e.entry_hash for key, e in new_entries.items()}
    after.update({e.ref_key: e.entry_hash for e in kept})
    diff = compute_diff(before, after)
    version = repo.add_version(
        reference_list,
        [*kept, *new_entries.values()],
        imported_by=actor_name(actor),
        file_name=file_name,
        file_sha256=file_sha256 or hashlib.sha256("\n".join(sorted(new_entries)).encode()).hexdigest(),
        format=FORMAT,
    )
    version.diff = diff
    session.flush()
    audit(
        session,
        clock,
        actor,
        "references.import",
        "reference_list",
        LIST_CODE,
        {
            "version": version.number,
            "file": file_name,
            "added": sorted(new_entries),
            "counts": diff["counts"],
        },
    )
    return version
