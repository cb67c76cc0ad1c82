"""A missing resource skips a test, fails it in strict mode, and the run ends with the count per group."""

from __future__ import annotations

import pytest

from tests.resources import Resource, strict_mode

pytest_plugins = ["pytester"]

CONFTEST = """
from tests import resources

def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: x")
    config.addinivalue_line("markers", "redis: x")
    config.addinivalue_line("markers", "browser: x")
    config.addinivalue_line("markers", "shared_data: x")
    resources.configure(config)

def pytest_unconfigure(config):
    resources.unconfigure(config)
"""

TESTS = """
import pytest
from tests.resources import Resource, require

@pytest.fixture(scope="module")
def database():
    require(Resource.POSTGRES, "nothing listens on 127.0.0.1:1")
    yield "db"

def test_needs_the_database(database):
    pass

def test_needs_it_too(database):
    pass

def test_redis_is_there():
    require(Resource.REDIS, None)

@pytest.mark.browser
def test_marked_for_the_browser():
    pass

def test_plain():
    pass
"""


def test_strict_mode_comes_from_ci_or_surveil_strict() -> None:
    assert strict_mode({"CI": "true"}) and strict_mode({"CI": "1"}) and strict_mode({"SURVEIL_STRICT": "1"})
    assert (
        not strict_mode({}) and not strict_mode({"CI": "false"}) and not strict_mode({"SURVEIL_STRICT": "0"})
    )


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, strict: bool) -> pytest.RunResult:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("SURVEIL_STRICT", "1" if strict else "0")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_things=TESTS)
    return pytester.runpytest("-p", "no:cacheprovider", "-rs")


def test_outside_strict_mode_a_missing_resource_skips(pytester, monkeypatch) -> None:
    result = _run(pytester, monkeypatch, strict=False)
    result.assert_outcomes(passed=3, skipped=2)
    result.stdout.fnmatch_lines(["*PostgreSQL missing: nothing listens on 127.0.0.1:1 -- start it with*"])
    result.stdout.fnmatch_lines(
        [
            "*PostgreSQL   ran    0   skipped    2   failed for lack of it    0",
            "*Redis        ran    1   skipped    0   failed for lack of it    0",
            "*browser      ran    1   skipped    0   failed for lack of it    0",
        ]
    )


def test_in_strict_mode_a_missing_resource_fails_with_one_line(pytester, monkeypatch) -> None:
    result = _run(pytester, monkeypatch, strict=True)
    result.assert_outcomes(passed=3, errors=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["[[]strict[]] PostgreSQL missing: nothing listens on 127.0.0.1:1 -- *"])
    result.stdout.fnmatch_lines(["*PostgreSQL   ran    0   skipped    0   failed for lack of it    2"])
    assert Resource.POSTGRES.how in result.stdout.str()
