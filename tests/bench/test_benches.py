"""Every benchmark script at a tiny size or on its cheap paths, so a broken bench fails here and not at
`make bench`: goals and exit codes, the baselines' inputs, a missing backend as exit code 2."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import pytest

from bench.goals import MET, MISSED, UNAVAILABLE, Goal, Scorecard, unavailable

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_script_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_scorecard_fails_on_a_missed_goal_and_on_no_goal_at_all():
    out = io.StringIO()
    card = Scorecard("t", out=out)
    card.state(Goal("ratio", at_least=0.8))
    assert card.exit_code() == MISSED  # nothing measured is not a pass
    assert card.record(Goal("ratio", at_least=0.8), 0.9)
    assert card.exit_code() == MET
    assert not card.record(Goal("p95", at_most=150.0, unit=" ms"), 151.0)
    assert card.exit_code() == MISSED
    text = out.getvalue()
    assert "GOAL [t] ratio >= 0.8" in text and "MISSED [t] p95" in text and "load average" in text


def test_a_missing_backend_is_exit_code_two():
    with pytest.raises(SystemExit) as stopped:
        unavailable("PostgreSQL did not answer", out=io.StringIO())
    assert stopped.value.code == UNAVAILABLE


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("bench_*.py")))
def test_every_bench_script_loads_and_parses_its_arguments(name, capsys):
    with pytest.raises(SystemExit) as stopped:
        load(name).main(["--help"])
    assert stopped.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_purchases_bench_measures_both_goals(capsys):
    code = load("bench_purchases").main(["--candidates", "1500", "--samples", "4"])
    out = capsys.readouterr().out
    assert code in (MET, MISSED)
    assert out.count("GOAL [purchases]") == 2
    assert "the same rows without thumbnails" in out
    assert out.count("MET [purchases]") + out.count("MISSED [purchases]") == 2


def test_references_bench_without_its_data_is_exit_code_two(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        load("bench_references").main(["--data", str(tmp_path), "--runs", "1"])
    assert stopped.value.code == UNAVAILABLE


def test_web_bench_without_postgresql_is_exit_code_two(monkeypatch, tmp_path):
    bench = load("bench_web")
    monkeypatch.setattr(bench, "POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:9/test")
    with pytest.raises(SystemExit) as stopped:
        bench.main(["--backend", "postgresql", "--flags", "10"])
    assert stopped.value.code == UNAVAILABLE


def test_web_bench_seeds_what_a_flag_page_shows(tmp_path):
    from sqlalchemy import func, select

    from crawler.config import load_settings
    from crawler.context import AppContext
    from crawler.storage import migrate
    from crawler.storage.models import Flag, ListingImage, ListingSnapshot, Match
    from crawler.timeutil import FixedClock

    bench = load("bench_web")
    url = f"sqlite:///{tmp_path / 'web.db'}"
    context = AppContext(
        settings=load_settings(data_dir=tmp_path, database_url=url), clock=FixedClock(bench.NOW)
    )
    try:
        migrate.upgrade(context.engine)
        counts = bench.fill(context, 60)
        with context.sessions() as session:
            flagged_with_match = session.scalar(select(func.count(Flag.id)).where(Flag.match_id.is_not(None)))
            assert flagged_with_match == session.scalar(select(func.count(Match.id))) > 0
            assert session.scalar(select(func.count(ListingSnapshot.id))) == 2 * counts["listings"]
            assert (
                session.scalar(select(func.count(ListingImage.id)).where(ListingImage.image_id.is_(None)))
                == 0
            )
    finally:
        context.close()
    assert counts["flags"] == 63 and counts["reference_entries"] > 0


def test_crawl_bench_gives_the_bare_fetch_the_crawls_concurrency(tmp_path):
    from crawler import settings as project_settings

    bench = load("bench_crawl")
    conc = bench.concurrency_settings()
    assert conc["CONCURRENT_REQUESTS"] == project_settings.CONCURRENT_REQUESTS
    assert conc["DOWNLOAD_SLOTS"] == project_settings.DOWNLOAD_SLOTS
    log = tmp_path / "requests.log"
    log.write_text(
        "search\tGET\thttps://so.m.jd.com/ware/search.action?keyword=x\tjd\n"
        "image\tGET\thttps://img14.360buyimg.com/n1/a.jpg\tjd-images\n"
    )
    assert bench.logged_requests(log) == [
        ("jd", "jd", "https://so.m.jd.com/ware/search.action?keyword=x"),
        ("jd", "jd-images", "https://img14.360buyimg.com/n1/a.jpg"),
    ]
