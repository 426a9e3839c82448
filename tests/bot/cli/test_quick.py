"""A quick, quiet command line: ``bot.cli`` loads no channel SDK, trafilatura or feedparser until a verb needs
one; one-shot commands log warnings only unless ``-v``. Real processes, the embedded Redis.

Times are not asserted here (the machine is shared); what makes the CLI quick is what it does not import,
and that is asserted. ``python -X importtime -m bot.cli --help`` shows the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: Modules a command that talks to no platform and fetches nothing must not load.
HEAVY = ("telegram", "slack_bolt", "slack_sdk", "linebot", "aiosmtplib", "aiohttp", "trafilatura", "feedparser",
         "uvicorn", "starlette", "apscheduler")

_LOADED = """
import json, sys
from bot.cli import build_parser, main
{call}
heavy = {heavy!r}
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}})))
"""


def _loaded(call: str, data: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    env["AITODAY_DATA_DIR"] = str(data)
    result = subprocess.run([sys.executable, "-c", _LOADED.format(call=call, heavy=HEAVY)], capture_output=True,
                            text=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_the_cli_and_building_its_parser_loads_no_sdk(tmp_path: Path) -> None:
    assert _loaded("build_parser()", tmp_path) == []


def test_chat_runs_a_command_without_any_channel_sdk(tmp_path: Path) -> None:
    call = "assert main(['chat', '--as', 'telegram:42', 'subscribe']) == 0"
    assert _loaded(call, tmp_path) == []


def _run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
    return subprocess.run([sys.executable, "-m", "bot.cli", "--data-dir", str(data), *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_one_shot_commands_log_warnings_only_and_v_shows_info(tmp_path: Path) -> None:
    quiet = _run(tmp_path, "chat", "--as", "telegram:42", "subscribe")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith("Subscribed")
    told = _run(tmp_path, "-v", "chat", "--as", "telegram:42", "settings")
    assert told.returncode == 0 and "INFO bot.redis_server: started the embedded Redis" in told.stderr


def test_help_answers_without_settings_or_redis(tmp_path: Path) -> None:
    result = _run(tmp_path / "never-made", "--help")
    assert result.returncode == 0 and "ingest" in result.stdout
    assert not (tmp_path / "never-made").exists()
