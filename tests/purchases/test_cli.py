"""The ``surveil purchases`` and ``surveil labs`` commands on a SQLite file made from demo-like data.

The commands run on the real clock, so the plan is for a period far ahead (2099-12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.storage import migrate
from crawler.storage.engine import make_engine, make_session_factory
from crawler.timeutil import FixedClock
from tests.purchases.conftest import make_demo


@pytest.fixture
def cli(tmp_path: Path, clock: FixedClock):
    url = f"sqlite:///{tmp_path / 'surveil.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    make_demo(make_session_factory(engine), clock)
    engine.dispose()
    runner = CliRunner()
    env = {"SURVEIL_DATA_DIR": str(tmp_path / "var"), "SURVEIL_USER": "analyst1"}

    def run(*args: str, ok: bool = True):
        result = runner.invoke(app, ["--database-url", url, *args], env=env)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def test_purchases_commands(cli, tmp_path: Path) -> None:
    planned = json.loads(
        cli("purchases", "plan", "--period", "2099-12", "--budget", "20000", "--seed", "3", "--json").stdout
    )
    assert planned["status"] == "draft" and planned["purchases"]
    assert all(p["reason"] for p in planned["purchases"])
    plan_id = str(planned["id"])

    approved = json.loads(cli("purchases", "approve", plan_id, "--user", "chief", "--json").stdout)
    assert approved["status"] == "approved" and approved["approved_by"] == "chief"
    codes = sorted(p["sample_code"] for p in approved["purchases"])
    assert codes[0] == "WG-2099-12-SH-0001"

    labs = json.loads(cli("labs", "list", "--json").stdout)
    assert {lab["code"] for lab in labs} >= {"sgs", "tuv_rheinland", "intertek", "dekra", "sqi"}

    first = approved["purchases"][0]
    pid = str(first["id"])
    refused = cli("purchases", "send", pid, ok=False)
    assert refused.exit_code == 1 and "is planned; it cannot become sent_to_lab" in refused.output
    cli("purchases", "order", pid, "--order-no", "JD-1", "--price", "21.00")
    cli("purchases", "receive", pid, "--condition", "intact", "--photo", "p1.jpg")
    cli("purchases", "send", pid)

    show = json.loads(cli("purchases", "show", plan_id, "--json").stdout)
    sent = next(p for p in show["purchases"] if p["id"] == first["id"])
    assert sent["status"] == "sent_to_lab"

    lab_of = None
    for lab in labs:
        out = tmp_path / f"out-{lab['code']}"
        exported = json.loads(
            cli("purchases", "export", "--lab", lab["code"], "--out", str(out), "--json").stdout
        )
        if first["sample_code"] in exported["samples"]:
            lab_of = lab["code"]
            assert Path(exported["files"]["xlsx"]).is_file()
            assert Path(exported["files"]["csv"]).is_file()
            assert Path(exported["files"]["html"]).is_file()
    assert lab_of is not None

    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"样品编号,报告编号,报告日期,甲醛含量\n{first['sample_code']},R1,2026-12-01,maybe\n", encoding="utf-8"
    )
    refused = cli("labs", "import-results", str(bad), ok=False)
    assert refused.exit_code == 1
    assert "bad.csv: row 2: 甲醛含量:" in refused.output

    good = tmp_path / "good.csv"
    good.write_text(
        f"样品编号,报告编号,报告日期,甲醛含量\n{first['sample_code']},R1,2026-11-01,不合格\n",
        encoding="utf-8",
    )
    report = json.loads(cli("labs", "import-results", str(good), "--lab", lab_of, "--json").stdout)
    assert report["failed"] == [first["sample_code"]] and report["reference_version"] == 1

    assert json.loads(cli("purchases", "overdue", "--json").stdout) == []
    cli("labs", "add", "cnas_lab", "--name", "某检测中心", "--category", "toys")
    refused = cli("labs", "add", "bad_lab", "--name", "x", "--category", "no_such_category", ok=False)
    assert "unknown categories: no_such_category" in refused.output
