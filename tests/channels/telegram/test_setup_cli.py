"""``aitoday telegram setup`` as an operator runs it, against the Bot API stand-in."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.settings import load_settings
from tests.channels.telegram.conftest import SECRET, TOKEN
from tests.stubs.telegram_api import TelegramApiStub


async def test_setup_sets_the_webhook_with_its_secret_and_both_menus(tg_stub: TelegramApiStub, tmp_path: Path) -> None:
    """The whole command in its own process, as an operator types it."""
    env = {**os.environ, "AITODAY_DATA_DIR": str(tmp_path / "data"), "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "AITODAY_TELEGRAM_API_URL": tg_stub.api_url,
           "AITODAY_PUBLIC_URL": "https://news.example.com/"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "telegram", "setup", env=env, cwd=str(Path(__file__).parents[3]),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert (process.returncode, err.decode()) == (0, "")
    assert out.decode().splitlines() == ["Webhook: https://news.example.com/telegram/webhook (secret token set)",
                                         "Command menu: default, en, ja"]
    assert tg_stub.webhook["url"] == "https://news.example.com/telegram/webhook"
    assert tg_stub.webhook["secret_token"] == SECRET
    assert set(tg_stub.commands) == {"", "en", "ja"}
    assert [c["command"] for c in tg_stub.commands["ja"]][:2] == ["start", "settings"]


async def _setup(env: dict[str, str]) -> int:
    args = build_parser().parse_args(["telegram", "setup"])
    assert args.needs_runtime is False
    return int(await args.handler(args, load_settings(env={"AITODAY_DATA_DIR": "data", **env})))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, "set TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_WEBHOOK_SECRET": SECRET}, "set TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "A-Z, a-z, 0-9, _ and -"),
    ],
)
async def test_setup_without_usable_settings_is_a_usage_error(
    tg_stub: TelegramApiStub, env: dict[str, str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _setup({**env, "AITODAY_TELEGRAM_API_URL": tg_stub.api_url}) == 2
    assert expected in capsys.readouterr().err
    assert tg_stub.calls == []


async def test_a_rejected_token_fails_without_printing_it(tg_stub: TelegramApiStub,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = await _setup({"TELEGRAM_BOT_TOKEN": "7000001:REVOKED-token", "TELEGRAM_WEBHOOK_SECRET": SECRET,
                         "AITODAY_TELEGRAM_API_URL": tg_stub.api_url})
    captured = capsys.readouterr()
    assert code == 1 and "InstallBroken" in captured.err
    assert "REVOKED" not in captured.out + captured.err and tg_stub.webhook == {}
