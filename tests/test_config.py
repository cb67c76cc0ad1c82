from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import ConfigError, load_settings


def test_defaults_use_a_sqlite_file_in_the_data_dir(monkeypatch, tmp_path):
    for name in ("SURVEIL_DATA_DIR", "SURVEIL_DATABASE_URL", "SURVEIL_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'var' / 'surveil.db'}"
    assert not (tmp_path / "var").exists(), "loading settings must not touch the disk"


def test_environment_beats_file_and_file_beats_defaults(monkeypatch, tmp_path):
    cfg = tmp_path / "surveil.toml"
    cfg.write_text('data_dir = "/srv/surveil"\nbrowser_device = "iPhone 13"\n', "utf-8")
    monkeypatch.setenv("SURVEIL_BROWSER_DEVICE", "Pixel 5")
    monkeypatch.setenv("SURVEIL_DATABASE_URL", "postgresql://db.example/surveil")
    settings = load_settings(cfg)
    assert settings.data_dir == Path("/srv/surveil")
    assert settings.browser_device == "Pixel 5"
    assert settings.resolved_database_url == "postgresql://db.example/surveil"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("data_dir = [", "not valid TOML"),
        ('colour = "red"\n', "unknown settings colour"),
        ('display_timezone = "Mars/Olympus"\n', "unknown time zone"),
    ],
)
def test_bad_config_files_are_refused_clearly(tmp_path, monkeypatch, content, message):
    monkeypatch.delenv("SURVEIL_DISPLAY_TIMEZONE", raising=False)
    cfg = tmp_path / "bad.toml"
    cfg.write_text(content, "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(cfg)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")
