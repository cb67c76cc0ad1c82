"""Lab results back into the system (``surveil labs import-results FILE``).

The file (XLSX or CSV, one row per sample) has the sample ID, the report number, the report date, and
one column per test item holding 合格/不合格 (or pass/fail; blank or "/" = not tested); an overall
verdict column (检验结论) is optional and must agree with the items. Headers may be Chinese or English.

The whole file is checked first. Any malformed row is reported (file, row, field, reason) and nothing
is applied. Otherwise every sample gets its verdicts and the purchase reaches ``result``; a failed
sample becomes an entry of the non-compliant list "lab-results" (a new version, so the next matching
run compares listings with it), and a passed sample closes the flag it was bought for.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from crawler.purchases.actors import Actor, audit
from crawler.purchases.lifecycle import transition
from crawler.purchases.noncompliant import FailedSample, add_failures
from crawler.references.normalise import clean_text, parse_date
from crawler.references.records import ImportProblem
from crawler.storage.models import Flag, FlagStatus, Purchase, PurchaseStatus, ReferenceListVersion
from crawler.storage.repositories.purchases import PurchaseRepository
from crawler.timeutil import Clock, to_local

SAMPLE_HEADERS = ("样品编号", "sample id", "sample_id", "sample code", "sample_code", "sample")
REPORT_HEADERS = ("报告编号", "检验报告编号", "report no", "report_no", "report number", "report")
DATE_HEADERS = ("报告日期", "检验日期", "签发日期", "date", "report date", "report_date")
OVERALL_HEADERS = ("检验结论", "结论", "判定", "result", "verdict", "overall")
IGNORED_HEADERS = (
    "备注",
    "notes",
    "note",
    "remarks",
    "产品名称",
    "product",
    "商标/品牌",
    "规格型号",
    "产品类别",
)
PASS_WORDS = {"合格", "pass", "passed", "p", "ok", "符合"}
FAIL_WORDS = {"不合格", "fail", "failed", "f", "ng", "不符合"}
NOT_TESTED = {"", "/", "-", "—", "－", "n/a", "na", "未检", "不适用"}
MAX_ROWS = 10_000


class ResultsRefused(ValueError):
    """Nothing was applied; ``problems`` lists every malformed row."""

    def __init__(self, message: str, problems: list[ImportProblem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass
class ResultRow:
    row: int
    sample_code: str
    report_no: str
    report_date: date
    verdicts: dict[str, str]
    overall: str | None = None

    @property
    def failed_items(self) -> list[str]:
        return [item for item, v in self.verdicts.items() if v == "fail"]

    @property
    def result(self) -> str:
        return "fail" if self.failed_items or self.overall == "fail" else "pass"


@dataclass
class ResultsReport:
    file: str
    rows: int = 0
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    closed_flags: list[int] = field(default_factory=list)
    reference_version: int | None = None
    problems: list[ImportProblem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "passed": self.passed,
            "failed": self.failed,
            "closed_flags": self.closed_flags,
            "reference_version": self.reference_version,
            "problems": [str(p) for p in self.problems],
        }


def verdict_of(value: object) -> str | None:
    """``pass``, ``fail``, ``""`` (not tested) or ``None`` (not a verdict)."""
    text = (clean_text(value) or "").lower()
    if text in NOT_TESTED:
        return ""
    if text in PASS_WORDS:
        return "pass"
    if text in FAIL_WORDS:
        return "fail"
    return None


def read_table(path: Path) -> list[list[Any]]:
    """The first sheet of an XLSX, or a CSV (UTF-8 with or without BOM, else GB18030), as rows."""
    data = path.read_bytes()
    if path.suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            return [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("not UTF-8 or GB18030 text")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _find(headers: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.lower() for h in headers]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def parse_results(path: Path, today: date | None = None) -> tuple[list[ResultRow], list[ImportProblem]]:
    """Read and check the file's form (not yet against the database)."""
    name = path.name
    problems: list[ImportProblem] = []
    try:
        table = read_table(path)
    except FileNotFoundError:
        return [], [ImportProblem(name, "file", "file not found")]
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported, not raised
        return [], [ImportProblem(name, "file", f"cannot be read as XLSX or CSV: {exc}")]
    while table and not any(clean_text(c) for c in table[0]):
        table.pop(0)
    if not table:
        return [], [ImportProblem(name, "file", "the file is empty")]
    headers = [clean_text(h) or "" for h in table[0]]
    columns = {
        "sample": _find(headers, SAMPLE_HEADERS),
        "report": _find(headers, REPORT_HEADERS),
        "date": _find(headers, DATE_HEADERS),
        "overall": _find(headers, OVERALL_HEADERS),
    }
    for key, label in (("sample", "样品编号"), ("report", "报告编号"), ("date", "报告日期")):
        if columns[key] is None:
            problems.append(ImportProblem(name, "row 1", f"no {label} column", label))
    known = {i for i in columns.values() if i is not None}
    ignored = {h.lower() for h in IGNORED_HEADERS}
    items = [(i, h) for i, h in enumerate(headers) if h and i not in known and h.lower() not in ignored]
    if not items:
        problems.append(ImportProblem(name, "row 1", "no test item columns (one column per 检验项目)"))
    if problems:
        return [], problems
    if len(table) - 1 > MAX_ROWS:
        return [], [ImportProblem(name, "file", f"more than {MAX_ROWS} rows")]
    rows: list[ResultRow] = []
    seen: dict[str, int] = {}

    def cell(values: list[Any], index: int | None) -> Any:
        return values[index] if index is not None and index < len(values) else None

    for number, values in enumerate(table[1:], start=2):
        if not any(clean_text(v) for v in values):
            continue
        where = f"row {number}"
        before = len(problems)
        code = (clean_text(cell(values, columns["sample"])) or "").upper()
        if not code:
            problems.append(ImportProblem(name, where, "missing", "样品编号"))
        elif code in seen:
            problems.append(ImportProblem(name, where, f"same sample as row {seen[code]}", "样品编号"))
        report_no = clean_text(cell(values, columns["report"])) or ""
        if not report_no:
            problems.append(ImportProblem(name, where, "missing", "报告编号"))
        raw_date = cell(values, columns["date"])
        when = parse_date(raw_date, day_first=False)
        if when is None:
            problems.append(ImportProblem(name, where, f"not a date: {clean_text(raw_date)!r}", "报告日期"))
        elif today is not None and when > today:
            problems.append(ImportProblem(name, where, f"{when} is in the future", "报告日期"))
        verdicts: dict[str, str] = {}
        for index, header in items:
            value = cell(values, index)
            verdict = verdict_of(value)
            if verdict is None:
                problems.append(
                    ImportProblem(
                        name, where, f"{clean_text(value)!r} is not 合格/不合格 (pass/fail) or blank", header
                    )
                )
            elif verdict:
                verdicts[header] = verdict
        overall = None
        if columns["overall"] is not None:
            raw = cell(values, columns["overall"])
            overall = verdict_of(raw)
            if overall is None:
                problems.append(
                    ImportProblem(
                        name, where, f"{clean_text(raw)!r} is not 合格/不合格", headers[columns["overall"]]
                    )
                )
            elif overall == "pass" and any(v == "fail" for v in verdicts.values()):
                problems.append(
                    ImportProblem(
                        name, where, "says 合格 but a test item is 不合格", headers[columns["overall"]]
                    )
                )
            overall = overall or None
        if not verdicts and overall is None:
            problems.append(ImportProblem(name, where, "no verdict for any test item"))
        if code:
            seen.setdefault(code, number)
        if len(problems) == before:
            rows.append(ResultRow(number, code, report_no, when, verdicts, overall))  # type: ignore[arg-type]
    if not rows and not problems:
        problems.append(ImportProblem(name, "file", "no result rows"))
    return rows, problems


def _check_against_store(
    session: Session, name: str, rows: list[ResultRow], lab_code: str | None
) -> tuple[dict[str, Purchase], list[ImportProblem]]:
    repo = PurchaseRepository(session)
    found: dict[str, Purchase] = {}
    problems = []
    for row in rows:
        where = f"row {row.row}"
        sample = repo.sample_by_code(row.sample_code)
        if sample is None:
            problems.append(ImportProblem(name, where, f"no sample {row.sample_code}", "样品编号"))
            continue
        purchase = sample.purchase
        status = PurchaseStatus(purchase.status)
        if status == PurchaseStatus.RESULT:
            problems.append(
                ImportProblem(
                    name, where, f"{row.sample_code} already has a result ({sample.report_no})", "样品编号"
                )
            )
            continue
        if status != PurchaseStatus.SENT_TO_LAB:
            problems.append(
                ImportProblem(
                    name,
                    where,
                    f"{row.sample_code} is {status.value}; results are taken only for samples sent to a lab",
                    "样品编号",
                )
            )
            continue
        if lab_code and (purchase.lab is None or purchase.lab.code != lab_code):
            problems.append(
                ImportProblem(
                    name,
                    where,
                    f"{row.sample_code} was sent to {purchase.lab.code if purchase.lab else 'no lab'}, "
                    f"not {lab_code}",
                    "样品编号",
                )
            )
            continue
        found[row.sample_code] = purchase
    return found, problems


def import_results(
    session: Session, clock: Clock, actor: Actor, path: Path | str, lab_code: str | None = None
) -> ResultsReport:
    """Apply a results file in the caller's transaction, or raise :class:`ResultsRefused` having
    changed nothing."""
    path = Path(path)
    report = ResultsReport(file=path.name)
    rows, problems = parse_results(path, today=to_local(clock.now()).date())
    found, more = _check_against_store(session, path.name, rows, lab_code) if rows else ({}, [])
    problems.extend(more)
    report.rows = len(rows)
    if problems:
        report.problems = problems
        raise ResultsRefused(f"{path.name}: refused, {len(problems)} problem(s); nothing applied", problems)
    failures: list[FailedSample] = []
    for row in rows:
        purchase = found[row.sample_code]
        sample = purchase.sample
        sample.verdicts = dict(row.verdicts)  # type: ignore[union-attr]
        sample.result = row.result  # type: ignore[union-attr]
        sample.report_no = row.report_no  # type: ignore[union-attr]
        sample.result_on = row.report_date  # type: ignore[union-attr]
        transition(
            session,
            clock,
            actor,
            purchase,
            PurchaseStatus.RESULT,
            {
                "result": row.result,
                "report_no": row.report_no,
                "report_date": row.report_date.isoformat(),
                "failed_items": row.failed_items,
                "file": path.name,
            },
        )
        flag = session.get(Flag, purchase.flag_id) if purchase.flag_id else None
        if row.result == "pass":
            report.passed.append(row.sample_code)
            if flag is not None and flag.status != FlagStatus.CLOSED:
                previous = flag.status
                flag.status = FlagStatus.CLOSED
                flag.updated_at = clock.now()
                report.closed_flags.append(flag.id)
                audit(
                    session,
                    clock,
                    actor,
                    "flag.closed",
                    "flag",
                    flag.id,
                    {"from": str(previous), "reason": f"lab report {row.report_no}: {row.sample_code} 合格"},
                )
        else:
            report.failed.append(row.sample_code)
            failures.append(
                FailedSample(purchase, row.report_no, row.report_date, row.failed_items or ["检验结论"])
            )
            if flag is not None and flag.status in (FlagStatus.OPEN, FlagStatus.PURCHASE_ORDERED):
                previous = flag.status
                flag.status = FlagStatus.CONFIRMED
                flag.updated_at = clock.now()
                audit(
                    session,
                    clock,
                    actor,
                    "flag.confirmed",
                    "flag",
                    flag.id,
                    {
                        "from": str(previous),
                        "reason": f"lab report {row.report_no}: {row.sample_code} 不合格",
                    },
                )
    if failures:
        version: ReferenceListVersion = add_failures(
            session,
            clock,
            actor,
            failures,
            file_name=path.name,
            file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        report.reference_version = version.number
    audit(
        session,
        clock,
        actor,
        "lab.import_results",
        "lab",
        lab_code or "*",
        {"file": path.name, "passed": report.passed, "failed": report.failed},
    )
    return report
