"""The project's layout promises: the console command and Scrapy's own tooling work from the root."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_scrapy_list_works_from_the_repository_root():
    result = subprocess.run(
        [str(BIN / "scrapy"), "list"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_surveil_console_command_is_installed():
    result = subprocess.run([str(BIN / "surveil"), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("db", "catalogue", "browser", "demo"):
        assert command in result.stdout


def test_matchers_do_not_import_scrapy():
    offenders = []
    for path in (REPO / "matchers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"scrapy", "crawler"}]
    assert offenders == []
