"""Broken input never crashes a read: truncated XML, wrong encodings, shuffled or missing columns, huge
cells, formulas in XLSX cells. Each gives a clear problem, and nothing is stored."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.references.categorise import CategoryMapper
from crawler.references.importer import ImportRefused, store
from crawler.references.reader import read_records
from crawler.storage.engine import make_engine, make_session_factory
from crawler.storage.migrate import upgrade
from crawler.storage.models import ReferenceEntry, ReferenceList, ReferenceListVersion
from crawler.timeutil import FixedClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"
GENERIC = (
    "ref_id", "list_type", "product_name", "brand", "model", "batch", "barcode", "manufacturer", "category",
    "hazard", "image_paths", "source", "published_on",
)  # fmt: skip
ROWS = [
    ["G1", "recall", "电热水壶", "美沸", "MF-1718/1719", "B2403", "6901234567892", "温州美沸电器有限公司", "", "泄漏电流", "", "bureau", "2024-05-06"],
    ["G2", "noncompliant", "Kids plush bear", "Cuddly", "CB-10~CB-12", "", "6923450657713", "Yiwu Cuddly Toys", "", "small parts", "", "bureau", "2024-05-07"],
]  # fmt: skip
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MAPPER = CategoryMapper.shipped()
EU_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><Safety-Gate><report_date>21/08/2026</report_date>'
    "<notifications><caseNumber>SR/1/26</caseNumber><category><![CDATA[Toys]]></category>"
    "<name><![CDATA[Plush bear]]></name><barcode><![CDATA[4006381333931]]></barcode>"
    "<pictures><picture><![CDATA[https://example.org/1.jpg]]></picture></pictures></notifications>"
    "<notifications><caseNumber>SR/2/26</caseNumber><name><![CDATA[Kettle]]></name></notifications>"
    "</Safety-Gate>"
)


def read(path: Path, **kwargs: object):  # noqa: ANN201
    return read_records(path, categories=MAPPER, **kwargs)  # type: ignore[arg-type]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def empty_db(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'broken.db'}")
    upgrade(engine)
    return make_session_factory(engine)


def stored_rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return sum(
            session.scalar(select(func.count()).select_from(m)) or 0
            for m in (ReferenceList, ReferenceListVersion, ReferenceEntry)
        )


def assert_refused(result, sessions: sessionmaker[Session]) -> None:  # noqa: ANN001
    assert result.errors
    for problem in result.errors:
        assert problem.file and problem.location and problem.reason
    with pytest.raises(ImportRefused):
        store(sessions, FixedClock(), result)
    assert stored_rows(sessions) == 0


@EXAMPLES
@given(cut=st.integers(min_value=1, max_value=len(EU_XML.encode()) - 15))
def test_truncated_xml(cut: int, tmp_path: Path, empty_db: sessionmaker[Session]) -> None:
    path = tmp_path / "report.xml"
    path.write_bytes(EU_XML.encode()[:cut])
    result = read(path)
    assert result.records == []
    assert_refused(result, empty_db)


def test_whole_xml_reads_and_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    path.write_text(EU_XML, encoding="utf-8")
    assert [r.ref_id for r in read(path).records] == ["SR/1/26", "SR/2/26"]
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<Safety-Gate><notifications><caseNumber>&b;</caseNumber></notifications></Safety-Gate>",
        encoding="utf-8",
    )
    result = read(bomb)
    assert result.records == [] and "DTD" in result.errors[0].reason
    external = tmp_path / "external.xml"
    external.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<Safety-Gate><notifications><caseNumber>&x;</caseNumber></notifications></Safety-Gate>",
        encoding="utf-8",
    )
    assert read(external).records == []


@EXAMPLES
@given(encoding=st.sampled_from(["utf-16", "utf-32", "cp1252", "shift_jis"]), noise=st.binary(max_size=40))
def test_wrong_encodings(
    encoding: str, noise: bytes, tmp_path: Path, empty_db: sessionmaker[Session]
) -> None:
    text = (FIXTURES / "spotcheck_provincial_gbk.csv").read_bytes().decode("gbk")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
    path = tmp_path / "list.csv"
    path.write_bytes(noise + data)
    result = read(path)
    if result.records:
        # bytes that happen to decode: then the layout must still have been recognised fully
        assert result.format.startswith("spotcheck")
    else:
        assert_refused(result, empty_db)


@EXAMPLES
@given(order=st.permutations(list(range(len(GENERIC)))))
def test_shuffled_columns_read_the_same(order: list[int], tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text(csv_text(list(GENERIC), ROWS), encoding="utf-8")
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text(
        csv_text([GENERIC[i] for i in order], [[row[i] for i in order] for row in ROWS]), encoding="utf-8"
    )
    expected = [r.to_json() for r in read(plain).records]
    got = [r.to_json() for r in read(shuffled).records]
    for record in (*expected, *got):
        record.pop("raw")
    assert got == expected


@EXAMPLES
@given(dropped=st.sets(st.sampled_from(GENERIC), min_size=1, max_size=6))
def test_missing_columns(dropped: set[str], tmp_path: Path, empty_db: sessionmaker[Session]) -> None:
    keep = [i for i, name in enumerate(GENERIC) if name not in dropped]
    path = tmp_path / "list.csv"
    path.write_text(
        csv_text([GENERIC[i] for i in keep], [[r[i] for i in keep] for r in ROWS]), encoding="utf-8"
    )
    result = read(path, list_type="risk")
    if "ref_id" in dropped or len(keep) < 3:
        assert result.records == []
        assert_refused(result, empty_db)
    else:
        assert [r.ref_id for r in result.records] == ["G1", "G2"]
        if "product_name" not in dropped:
            assert result.records[0].product_name == "电热水壶"
        if "list_type" in dropped:
            assert {r.list_type.value for r in result.records} == {"risk"}


@EXAMPLES
@given(
    column=st.sampled_from([c for c in GENERIC if c not in ("ref_id", "list_type")]),
    size=st.integers(min_value=20_001, max_value=200_000),
)
def test_huge_cells(column: str, size: int, tmp_path: Path, empty_db: sessionmaker[Session]) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][GENERIC.index(column)] = "x" * size
    path = tmp_path / "list.csv"
    path.write_text(csv_text(list(GENERIC), rows), encoding="utf-8")
    result = read(path)
    assert [r.ref_id for r in result.records] == ["G1"]
    (problem,) = result.errors
    assert problem.location == "row 3"
    assert problem.field == column or "field larger" in problem.reason or "line" in problem.location
    assert_refused(result, empty_db)


@EXAMPLES
@given(
    column=st.sampled_from(["product_name", "brand", "model", "barcode", "hazard"]),
    formula=st.sampled_from(
        ["=1+1", '=HYPERLINK("http://evil.example","x")', "=cmd|' /C calc'!A0", "=SUM(A1:A3)"]
    ),
    spotcheck=st.booleans(),
)
def test_formula_cells_in_xlsx(
    column: str, formula: str, spotcheck: bool, tmp_path: Path, empty_db: sessionmaker[Session]
) -> None:
    book = Workbook()
    sheet = book.active
    if spotcheck:
        header = ["序号", "产品名称", "商标", "规格型号", "标称生产企业名称", "不合格项目"]
        names = {"product_name": 1, "brand": 2, "model": 3, "barcode": 4, "hazard": 5}
        rows = [
            [1, "电吹风", "风之语", "FY-1", "慈溪风之语", "发热"],
            [2, "电水壶", "美沸", "MF-1", "温州美沸", "泄漏电流"],
        ]
    else:
        header = list(GENERIC)
        names = {name: GENERIC.index(name) for name in GENERIC}
        rows = [list(r) for r in ROWS]
    rows[1][names[column]] = formula
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "list.xlsx"
    book.save(path)
    result = read(path)
    assert len(result.records) == 1
    (problem,) = result.errors
    assert problem.location == "row 3" and "formula" in problem.reason
    assert all(formula not in str(r.to_json()) for r in result.records)
    assert_refused(result, empty_db)


@EXAMPLES
@given(garbage=st.binary(min_size=1, max_size=300))
def test_random_bytes(garbage: bytes, tmp_path: Path) -> None:
    for name in ("list.csv", "list.json", "list.xml", "list.xlsx"):
        path = tmp_path / name
        path.write_bytes(garbage)
        result = read(path)
        assert result.records == [] or result.format
        if not result.records:
            assert result.problems


@EXAMPLES
@given(
    lines=st.lists(
        st.one_of(st.text(max_size=30), st.just('{"id": "KR:1", "id_scheme": "safetykorea_uid"}')), max_size=8
    )
)
def test_jsonl_with_broken_lines(lines: list[str], tmp_path: Path) -> None:
    good = '{"id": "KR:9", "id_scheme": "safetykorea_uid", "jurisdiction": "KR", "model": "A/B", "product_name": "램프"}'
    path = tmp_path / "kr.jsonl"
    path.write_text("\n".join([good, *(line.replace("\n", " ") for line in lines)]), encoding="utf-8")
    result = read(path)
    assert result.format == "kr_kats_jsonl"
    assert result.records[0].models == ["A", "B"]
    for problem in result.problems:
        assert problem.location.startswith(("line", "record"))
