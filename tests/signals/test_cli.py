"""``surveil signals`` and ``surveil sellers`` on a seeded database, weights from the data folder."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from crawler.cli import app
from crawler.storage.engine import transaction
from crawler.storage.repositories import ListingRepository
from tests.signals.test_run_signals import _items, loaded  # noqa: F401


def test_signals_and_sellers_commands(loaded, clock, db_url, tmp_path, monkeypatch):  # noqa: F811
    with transaction(loaded) as session:
        ListingRepository(session).upsert_batch(_items(), clock.now())
    monkeypatch.setenv("SURVEIL_DATABASE_URL", db_url)
    monkeypatch.setenv("SURVEIL_DATA_DIR", str(tmp_path))
    (tmp_path / "signal_weights.yaml").write_text("signals:\n  blacklist: 0.3\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["signals", "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["weights"].endswith("signal_weights.yaml")
    assert {"licence", "blacklist", "licensed_ip", "price", "ccc_missing"} <= set(summary["findings"])
    done = runner.invoke(app, ["sellers", "--limit", "3"])
    assert done.exit_code == 0 and "1." in done.output and "flagged listing(s)" in done.output
    (tmp_path / "signal_weights.yaml").write_text("signals:\n  blacklist: 7\n", encoding="utf-8")
    done = runner.invoke(app, ["signals"])
    assert done.exit_code == 1 and "within 0..1" in done.output
