"""The container files agree with the project (no Docker needed): what the image installs and runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_dockerfile_installs_the_package_with_chromium_as_a_non_root_user() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "\nFROM python:3.11-slim-bookworm\n" in text
    for package in ("chromium", "fonts-noto-cjk", "postgresql-client"):
        assert re.search(rf"\b{package}\b", text), package
    assert "pip install ." in text
    assert "SURVEIL_BROWSER_EXECUTABLE=/usr/bin/chromium" in text
    users = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    for copied in re.findall(r"^COPY (\S+) \./", text, flags=re.MULTILINE):
        assert (REPO / copied).exists(), copied


def test_dockerignore_keeps_what_the_build_needs() -> None:
    ignored = {
        line.strip() for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"
    }
    assert {".venv", ".git", "var"} <= ignored
    assert not {"crawler", "spiders", "matchers", "scheduler", "pyproject.toml", "README.md"} & ignored


def test_compose_builds_the_image_and_checks_every_long_running_service() -> None:
    compose = yaml.safe_load((REPO / "docs" / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    for name in ("web", "worker", "scheduler"):
        service = services[name]
        assert service["build"]["dockerfile"] == "Dockerfile"
        assert (REPO / "docs" / "deploy" / service["build"]["context"] / "Dockerfile").resolve().is_file()
        assert service["healthcheck"]["test"][0] == "CMD"
    assert services["backup"]["command"][:3] == ["surveil", "backup", "create"]


def test_grafana_dashboard_uses_series_the_metrics_module_writes() -> None:
    dashboard = json.loads((REPO / "docs" / "deploy" / "grafana-dashboard.json").read_text(encoding="utf-8"))
    source = (REPO / "crawler" / "operations" / "metrics.py").read_text(encoding="utf-8")
    written = set(re.findall(r'"(surveil_[a-z0-9_]+)"', source))
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"surveil_[a-z0-9_]+", target["expr"])
    }
    assert used and used <= written
