"""Settings from the environment; every secret may come from a file named by ``<NAME>_FILE``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings, SettingsFileError, environment_names, file_settings, get_settings

REPO = Path(__file__).resolve().parents[2]
FILE_VARIABLES = [
    "SLACK_BOT_TOKEN_FILE",
    "SLACK_SIGNING_SECRET_FILE",
    "SLACK_APP_TOKEN_FILE",
    "PAGERDUTY_ROUTING_KEY_FILE",
    "DATABASE_URL_FILE",
    "ALERTS_TOKEN_ALERTMANAGER_FILE",
    "ALERTS_TOKEN_DATADOG_FILE",
    "ALERTS_TOKEN_GENERIC_FILE",
    "STATUSPAGE_API_KEY_FILE",
    "STATUSPAGE_PAGE_ID_FILE",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in environment_names():
        monkeypatch.delenv(name, raising=False)


def test_every_secret_the_deploy_files_mount_may_come_from_a_file() -> None:
    assert {name.upper() + "_FILE" for name in file_settings()} == set(FILE_VARIABLES)


@pytest.mark.parametrize("variable", FILE_VARIABLES)
def test_a_file_provides_the_setting_with_whitespace_trimmed(
    variable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret"
    value = "postgresql+psycopg://u:p@db/x" if variable == "DATABASE_URL_FILE" else "s3cret-value"
    secret.write_text(f"  {value}\n\n")
    monkeypatch.setenv(variable, str(secret))
    settings = get_settings(_env_file=None)
    assert getattr(settings, variable.removesuffix("_FILE").lower()) == value


def test_a_missing_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(tmp_path / "nope"))
    with pytest.raises(SettingsFileError, match=r"SLACK_BOT_TOKEN_FILE=.*nope: no such file"):
        get_settings(_env_file=None)


def test_an_empty_file_or_a_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").write_text(" \n")
    monkeypatch.setenv("SLACK_SIGNING_SECRET_FILE", str(tmp_path / "empty"))
    with pytest.raises(SettingsFileError, match="the file is empty"):
        get_settings(_env_file=None)
    monkeypatch.setenv("SLACK_SIGNING_SECRET_FILE", str(tmp_path))
    with pytest.raises(SettingsFileError, match="is a directory"):
        get_settings(_env_file=None)


def test_the_variable_and_its_file_together_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "token").write_text("xoxb-from-file")
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    with pytest.raises(SettingsFileError, match="Set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE, not both"):
        get_settings(_env_file=None)


def test_explicit_arguments_win_over_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "token").write_text("xoxb-from-file")
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(tmp_path / "token"))
    assert get_settings(_env_file=None, slack_bot_token="xoxb-explicit").slack_bot_token == "xoxb-explicit"


def test_secret_values_name_the_secrets_and_the_database_password() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-1",
        slack_signing_secret="sign",
        database_url="postgresql+psycopg://bot:pa55word@db/incidents",
    )
    values = settings.secret_values()
    assert {"xoxb-1", "sign", "pa55word"} <= set(values)


def test_the_command_says_which_file_is_missing_and_exits(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "SLACK_BOT_TOKEN_FILE": str(tmp_path / "gone")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN_FILE=" in result.stderr and "no such file" in result.stderr
    assert "Traceback" not in result.stderr
