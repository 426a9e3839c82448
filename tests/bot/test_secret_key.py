"""The signing key: weak or documented keys stop start-up with a clear line; the generated key file is made
once, whole, however many processes start on a fresh data dir at the same time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PLACEHOLDER_KEYS, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
_SHOWN = re.compile(r"AITODAY_SECRET_KEY(?:_PREVIOUS)?\s*[=:]\s*[\"']?([^\s\"'`$]+)")


def _documented_keys() -> set[str]:
    files = [ROOT / ".env.example", ROOT / "README.md", ROOT / "docker-compose.yml", *(ROOT / "docs").rglob("*.md")]
    return {m.group(1) for f in files if f.exists() for m in _SHOWN.finditer(f.read_text(encoding="utf-8"))}


@pytest.mark.parametrize(
    "key", ["a", " x ", "change-me-to-a-long-random-string", "k" * 40, "  ", *sorted(PLACEHOLDER_KEYS)]
)
def test_weak_keys_stop_start_up_naming_the_setting_and_the_remedy(key: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(env={"AITODAY_SECRET_KEY": key})
    message = str(error.value)
    assert "AITODAY_SECRET_KEY" in message and "secrets.token_urlsafe(48)" in message
    assert len(key) < 4 or key not in message  # the refused key is not echoed into logs


def test_every_key_the_docs_show_is_refused() -> None:
    shown = _documented_keys()
    assert shown, ".env.example shows a placeholder key"
    for key in shown:
        with pytest.raises(SettingsError):
            load_settings(env={"AITODAY_SECRET_KEY": key})


def test_a_weak_previous_key_is_refused_too() -> None:
    strong = "Vq3-r8sKx0_pLmN2bT7wYz5cE1fH4jU9aD6gR"
    with pytest.raises(SettingsError, match="AITODAY_SECRET_KEY_PREVIOUS"):
        load_settings(env={"AITODAY_SECRET_KEY": strong, "AITODAY_SECRET_KEY_PREVIOUS": "old"})
    assert load_settings(env={"AITODAY_SECRET_KEY": strong}).secret() == strong


def test_the_cli_refuses_the_placeholder_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "AITODAY_SECRET_KEY": "change-me-to-a-long-random-string"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "subscribers"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "AITODAY_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr


_RACE = """
import sys
from bot.settings import load_settings
print(load_settings(env={"AITODAY_DATA_DIR": sys.argv[1]}).secret())
"""


def test_processes_racing_on_a_fresh_data_dir_share_one_whole_key(tmp_path: Path) -> None:
    for attempt in range(4):
        data = tmp_path / f"fresh{attempt}"
        racers = [
            subprocess.Popen([sys.executable, "-c", _RACE, str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(8)
        ]
        outputs = [r.communicate(timeout=60) for r in racers]
        assert [err.decode() for _out, err in outputs if err] == []
        keys = {out.decode().strip() for out, _err in outputs}
        assert len(keys) == 1 and len(keys.pop()) >= 40
        assert [p.name for p in data.iterdir()] == ["secret.key"]
        assert (data / "secret.key").stat().st_mode & 0o077 == 0


def test_a_half_written_key_file_is_never_used_as_a_key(tmp_path: Path) -> None:
    # what a racing writer used to leave for a moment: the file created, the key not yet in it
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_text("", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"secret\.key"):
        load_settings(env={"AITODAY_DATA_DIR": str(data)}).secret()
