"""``surveil evidence``: verify names what changed and exits non-zero, export, stats and prune."""

from __future__ import annotations

import json
import subprocess

from typer.testing import CliRunner

from crawler.cli import app
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.service import EvidenceService
from crawler.storage.repositories import AuditRepository
from tests.evidence.conftest import add_listing, page_capture


def _env(context) -> dict[str, str]:
    return {
        "SURVEIL_DATA_DIR": str(context.settings.data_dir),
        "SURVEIL_DATABASE_URL": context.settings.resolved_database_url,
    }


def _run(context, *args: str):
    return CliRunner().invoke(app, ["evidence", *args], env=_env(context), catch_exceptions=False)


def test_verify_export_stats_and_prune_commands(evidence_context, tmp_path):
    context = evidence_context
    service = EvidenceService(context)
    listing_id, flag_id = add_listing(context, "1")
    outcome = service.record(service.target_for_listing(listing_id, flag_id=flag_id), page_capture())

    ok = _run(context, "verify", "--all")
    assert ok.exit_code == 0 and "all evidence verifies" in ok.stdout
    single = _run(context, "verify", str(outcome.capture_id), "--json")
    assert json.loads(single.stdout)["ok"] is True

    out = tmp_path / "case"
    exported = _run(context, "export", str(flag_id), "--out", str(out), "--no-pdf", "--actor", "officer-li")
    assert exported.exit_code == 0, exported.stdout
    with context.sessions() as session:
        (audit,) = AuditRepository(session, context.clock).trail("flag", flag_id)
    assert (audit.action, audit.actor, audit.details["captures"]) == ("evidence.export", "officer-li", [1])
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out).returncode == 0

    data = json.loads(_run(context, "stats", "--json").stdout)
    assert data["captures"] == 1 and data["log_entries"] == 1
    pruned = json.loads(_run(context, "prune", "--days", "30", "--json").stdout)
    assert pruned["captures"] == []  # flagged evidence is never pruned

    layout = EvidenceLayout.from_settings(context.settings)
    html = next(a for a in service_artefacts(context, outcome.capture_id) if a.name == "page.html")
    path = layout.store.path_for(html.sha256)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"<!-- edited -->")
    bad = _run(context, "verify", "--all")
    assert bad.exit_code == 1
    assert f"capture {outcome.capture_id} artefact page.html" in bad.stdout
    refused = _run(context, "export", str(flag_id), "--out", str(tmp_path / "again"), "--no-pdf")
    assert refused.exit_code == 1


def service_artefacts(context, capture_id):
    from crawler.storage.models import EvidenceCapture

    with context.sessions() as session:
        return list(session.get(EvidenceCapture, capture_id).artefacts)


def test_verify_needs_a_capture_or_all(evidence_context):
    result = _run(evidence_context, "verify")
    assert result.exit_code == 1
