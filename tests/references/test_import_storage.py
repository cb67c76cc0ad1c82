"""Importing into the database (SQLite and PostgreSQL): versions, diffs, idempotence, all-or-nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.catalogue.schema import load_categories
from crawler.references.importer import ImportRefused, import_file
from crawler.storage.engine import transaction
from crawler.storage.models import AuditEntry, ListType, ReferenceEntry, ReferenceList, ReferenceListVersion
from crawler.storage.repositories import CategoryRepository, ReferenceRepository
from crawler.timeutil import FixedClock
from tests.conftest import shared_data

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"
HEADER = "ref_id,list_type,product_name,brand,model,batch,barcode,manufacturer,category,hazard,image_paths,source,published_on\n"


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (ReferenceList, ReferenceListVersion, ReferenceEntry, AuditEntry)
        }


def write_list(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


ROWS = [
    "R1,recall,电热水壶,美沸,MF-1718/1719,B2403,6901234567892,温州美沸电器有限公司,electric_kettle,泄漏电流,,bureau,2024-05-06",
    "R2,recall,儿童头盔,骑安,QA-1,,,宁波骑安运动用品有限公司,,冲击吸收,,bureau,2024-05-07",
    "R3,recall,充电宝,快充,PB-10000,,6923450657713,深圳市快充科技有限公司,,过充电保护,,bureau,2024-05-08",
]


def test_import_stores_a_version_and_again_changes_nothing(
    sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    with transaction(sessions) as session:
        CategoryRepository(session, clock).sync(load_categories().categories)
    path = write_list(tmp_path / "bureau.csv", ROWS)
    report = import_file(sessions, clock, path, imported_by="analyst1")
    assert report.stored and report.version == 1 and report.list_code == "bureau"
    assert report.diff["counts"] == {"added": 3, "removed": 0, "changed": 0, "unchanged": 0}
    with sessions() as session:
        repo = ReferenceRepository(session, clock)
        reference_list = repo.get_list("bureau")
        assert reference_list is not None and reference_list.list_type is ListType.RECALL
        version = repo.latest_version(reference_list)
        assert version is not None
        assert (version.number, version.format, version.file_name, version.imported_by) == (
            1, "generic_csv", "bureau.csv", "analyst1",
        )  # fmt: skip
        assert version.imported_at == clock.now()
        kettle = next(e for e in repo.entries(version) if e.ref_key == "R1")
        assert kettle.models == ["MF-1718", "MF-1719"] and kettle.barcodes == ["6901234567892"]
        assert kettle.category is not None and kettle.category.code == "electric_kettle"
        assert kettle.raw["ref_id"] == "R1" and kettle.extra["source"] == "bureau"
        helmet = next(e for e in repo.entries(version) if e.ref_key == "R2")
        assert helmet.category is not None and helmet.category.code == "helmet"
        assert len(repo.active_entries()) == 3
    before = counts(sessions)
    clock.advance(__import__("datetime").timedelta(hours=1))
    again = import_file(sessions, clock, path)
    assert not again.stored and again.version == 1 and "unchanged" in again.reason
    assert counts(sessions) == before


def test_new_version_keeps_a_diff_and_replaces_the_active_entries(
    sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    path = write_list(tmp_path / "bureau.csv", ROWS)
    import_file(sessions, clock, path)
    changed = [ROWS[0].replace("泄漏电流", "泄漏电流和电气强度"), ROWS[2], ROWS[2].replace("R3", "R4")]
    report = import_file(sessions, clock, write_list(tmp_path / "bureau.csv", changed))
    assert report.stored and report.version == 2 and report.previous_version == 1
    assert report.diff["added"] == ["R4"]
    assert report.diff["removed"] == ["R2"]
    assert report.diff["changed"] == ["R1"]
    assert report.diff["counts"]["unchanged"] == 1
    with sessions() as session:
        repo = ReferenceRepository(session, clock)
        reference_list = repo.get_list("bureau")
        assert reference_list is not None
        first, second = repo.versions(reference_list)
        assert not first.active and second.active
        assert second.diff["removed"] == ["R2"]
        assert sorted(e.ref_key for e in repo.active_entries()) == ["R1", "R3", "R4"]
        assert sorted(repo.entry_hashes(first)) == ["R1", "R2", "R3"]


def test_weekly_reports_merge_into_one_growing_list(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    week_318 = shared_data("recalls", "eu_safety_gate", "raw_weekly_xml", "report_10000318.xml")
    week_319 = shared_data("recalls", "eu_safety_gate", "raw_weekly_xml", "report_10000319.xml")
    assert import_file(sessions, clock, week_318).version == 1
    report = import_file(sessions, clock, week_319)
    assert report.version == 2
    assert report.diff["counts"] == {"added": 64, "removed": 0, "changed": 0, "unchanged": 80}
    with sessions() as session:
        assert len(ReferenceRepository(session, clock).active_entries()) == 144
    assert not import_file(sessions, clock, week_318).stored


def test_a_file_with_errors_is_refused_whole(
    sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    import_file(sessions, clock, write_list(tmp_path / "bureau.csv", ROWS))
    before = counts(sessions)
    broken = write_list(tmp_path / "bureau.csv", [*ROWS, "R9,sometimes,Lamp,,,,,,,,,bureau,2024-01-01"])
    with pytest.raises(ImportRefused) as refused:
        import_file(sessions, clock, broken)
    (problem,) = refused.value.problems
    assert (problem.file, problem.location, problem.field) == ("bureau.csv", "row 5", "list_type")
    assert counts(sessions) == before
    unknown = tmp_path / "unknown.json"
    unknown.write_text('[{"colour": "red"}]', encoding="utf-8")
    with pytest.raises(ImportRefused):
        import_file(sessions, clock, unknown)
    assert counts(sessions) == before
    report = import_file(sessions, clock, broken, skip_invalid=True)
    assert not report.stored and report.diff["counts"]["unchanged"] == 3
    assert counts(sessions) == before


def test_a_database_failure_mid_import_leaves_nothing(
    engine: Engine, sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    import_file(sessions, clock, write_list(tmp_path / "bureau.csv", ROWS))
    before = counts(sessions)
    source = shared_data("recalls", "eu_safety_gate", "safety_gate_notifications_online_trader.csv")
    copy = tmp_path / "eu.csv"
    shutil.copy(source, copy)
    seen = {"version_rows": 0}

    def fail_late(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        # the list and its version are already written in this transaction when the entries go in
        text = statement.lstrip().upper()
        if text.startswith("INSERT INTO REFERENCE_LIST_VERSION"):
            seen["version_rows"] += 1
        if text.startswith("INSERT INTO REFERENCE_ENTRY"):
            raise RuntimeError("disk full")

    event.listen(engine, "before_cursor_execute", fail_late)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            import_file(sessions, clock, copy, skip_invalid=True)
    finally:
        event.remove(engine, "before_cursor_execute", fail_late)
    assert seen["version_rows"] == 1
    assert counts(sessions) == before
    with sessions() as session:
        assert ReferenceRepository(session, clock).get_list("eu-safety-gate") is None


def test_entry_hash_is_the_record_content_hash() -> None:
    from crawler.references.importer import entry_hash
    from crawler.references.reader import read_records

    for name in ("generic_recalls.csv", "cpsc_saferproducts_api.json", "spotcheck_provincial_online.xlsx"):
        for record in read_records(FIXTURES / name).records:
            assert entry_hash(record) == record.content_hash()
    for record in read_records(shared_data("recalls", "korea_kats", "kr_recalls_canonical.jsonl")).records[
        :50
    ]:
        assert entry_hash(record) == record.content_hash()


def test_entries_built_through_the_orm_match_bulk_rows(
    sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    from crawler.references.importer import copy_entry, entry_for
    from crawler.references.reader import read_records

    import_file(sessions, clock, FIXTURES / "generic_recalls.csv")
    records = read_records(FIXTURES / "generic_recalls.csv").records
    with transaction(sessions) as session:
        repo = ReferenceRepository(session, clock)
        reference_list = repo.get_list("bureau-recalls")
        assert reference_list is not None
        stored = {e.ref_key: e for e in repo.entries(repo.latest_version(reference_list))}
        for record in records:
            built = entry_for(record, repo.category_ids())
            assert built.entry_hash == stored[record.ref_id].entry_hash
            assert built.models == stored[record.ref_id].models
        copies = [copy_entry(e) for e in stored.values()]
        version = repo.add_version(reference_list, copies)
        assert version.number == 2
        assert sorted(repo.entry_hashes(version).items()) == sorted(
            (k, e.entry_hash) for k, e in stored.items()
        )
