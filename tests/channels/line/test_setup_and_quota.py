"""``aitoday line setup`` installs the rich menu; a fan-out beyond the monthly quota switches the rest to pull."""

from __future__ import annotations

import asyncio
import os
import struct
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Services
from bot.cli import build_parser
from bot.delivery.planner import Planner
from bot.settings import Settings, load_settings
from bot.store import counters
from bot.store.line_audience import RedisLineAudience, is_pull
from bot.store.models import Identity, Subscription
from channels.base import InstallBroken
from channels.line.channel import LineChannel
from channels.line.ports import Reader
from channels.line.quota import allocate_quota, line_quota_job, quota_month_end
from tests.clock import Clock
from tests.stubs.line_api import LineApiStub


async def _run_cli(argv: list[str], settings: Settings) -> int:
    args = build_parser().parse_args(argv)
    assert args.needs_runtime is False
    return int(await args.handler(args, settings))


async def test_setup_creates_one_default_rich_menu_with_its_image(
    settings: Settings, stub: LineApiStub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _run_cli(["line", "setup"], settings) == 0
    [(menu_id, menu)] = stub.rich_menus.items()
    assert stub.default_rich_menu == menu_id
    content_type, size = stub.rich_menu_images[menu_id]
    assert content_type == "image/png" and 0 < size < 1_000_000
    assert menu["chatBarText"] == "Today's digest"
    assert [a["action"]["data"] for a in menu["areas"]] == ["cmd=now", "cmd=settings", "cmd=help"]
    assert menu_id in capsys.readouterr().out
    assert await _run_cli(["line", "setup"], settings) == 0  # again: replaces, never piles up
    assert list(stub.rich_menus) == [stub.default_rich_menu] and stub.default_rich_menu != menu_id


def test_the_menu_image_is_a_png_of_the_menu_size() -> None:
    from channels.line.menu import MENU_HEIGHT, MENU_WIDTH, rich_menu_png

    png = rich_menu_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (MENU_WIDTH, MENU_HEIGHT)


async def test_setup_without_line_settings_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert await _run_cli(["line", "setup"], load_settings(env={})) == 2
    assert "LINE_CHANNEL_ACCESS_TOKEN" in capsys.readouterr().err


async def test_setup_with_a_revoked_token_fails_with_one_line(
    settings: Settings, stub: LineApiStub, capsys: pytest.CaptureFixture[str]
) -> None:
    stub.token = "rotated"
    assert await _run_cli(["line", "setup"], settings) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "InstallBroken" in err


async def _subscribers(services: Services, count: int, clock: Clock) -> list[Subscription]:
    """``count`` active readers at 07:30 UTC; reader n subscribed n minutes after reader 0, reader 5 is VIP."""
    start = clock.now
    subs = []
    for n in range(count):
        sub = Subscription(identity=Identity("line", (f"U{n:032x}",)), active=True,
                           created_at=start + timedelta(minutes=n), extra={"priority": "5"} if n == 5 else {})
        subs.append(await services.store.save(sub))
    return subs


def _audience(services: Services) -> RedisLineAudience:
    return RedisLineAudience(services.store, services.runtime.redis)


def _reader(sub: Subscription) -> Reader:
    return Reader(address=sub.identity.address, since=sub.created_at, key=sub.sid)


def _address(n: int) -> str:
    return f"U{n:032x}"


async def test_a_fan_out_beyond_the_quota_keeps_priority_readers_and_puts_the_rest_on_pull(
    services: Services, channel: LineChannel, stub: LineApiStub, clock: Clock
) -> None:
    subs = await _subscribers(services, 10, clock)
    stub.quota_limit, stub.used = 100, 96
    allocation = await line_quota_job(channel, _audience(services))()
    assert allocation.quota.remaining == 4 and allocation.switched == 6
    # the operator's priority first, then first come, first served
    assert [r.address for r in allocation.push] == [_address(n) for n in (5, 0, 1, 2)]
    month_end = quota_month_end(clock.now)
    assert month_end == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 1 December 00:00 in Japan
    for reader in allocation.pull:
        stored = await services.store.get(Identity("line", (reader.address,)))
        assert stored is not None and is_pull(stored) and stored.active and stored.paused_until == month_end
    figures = await counters.read(services.runtime.redis)
    assert sum(figures["line_pull_switches"].values()) == 6

    again = await line_quota_job(channel, _audience(services))()
    assert again.switched == 0 and [r.key for r in again.push] == [r.key for r in allocation.push]

    clock.now = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)  # the planner queues pushes for the covered four only
    planner = Planner(services.runtime.redis, catch_up=timedelta(hours=6), clock=clock)
    assert (await planner.tick()).planned == 4

    stub.quota_limit, stub.used = 1000, 0  # a bigger plan: everyone is covered again, and unpaused
    final = await line_quota_job(channel, _audience(services))()
    assert len(final.push) == 10 and final.pull == ()
    for sub in subs:
        stored = await services.store.get(sub.identity)
        assert stored is not None and not is_pull(stored) and stored.paused_until is None


async def test_a_reader_on_pull_who_resumes_is_put_back_on_pull(
    services: Services, channel: LineChannel, stub: LineApiStub, clock: Clock
) -> None:
    await _subscribers(services, 2, clock)
    stub.quota_limit, stub.used = 10, 9
    await line_quota_job(channel, _audience(services))()
    pulled = Identity("line", (_address(1),))
    reply = await services.commands.handle(pulled, "resume")
    assert reply.changed
    allocation = await line_quota_job(channel, _audience(services))()
    assert [Identity("line", (r.address,)) for r in allocation.pull] == [pulled]
    stored = await services.store.get(pulled)
    assert stored is not None and stored.paused_until == quota_month_end(clock.now)


async def test_an_unlimited_plan_covers_everyone(services: Services, channel: LineChannel, clock: Clock) -> None:
    subs = await _subscribers(services, 3, clock)
    allocation = await allocate_quota(channel, _audience(services), [_reader(s) for s in subs])
    assert len(allocation.push) == 3 and allocation.quota.remaining is None


async def test_the_quota_check_reports_a_broken_token(services: Services, api_url: str, clock: Clock) -> None:
    line = LineChannel("wrong", api_url)
    try:
        readers = [_reader(s) for s in await _subscribers(services, 1, clock)]
        with pytest.raises(InstallBroken):
            await allocate_quota(line, _audience(services), readers)
    finally:
        await line.aclose()


@pytest.mark.slow
async def test_the_console_script_sets_up_the_menu(stub: LineApiStub, api_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": stub.token,
           "AITODAY_LINE_API_URL": api_url, "AITODAY_DATA_DIR": str(tmp_path / "data")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "line", "setup", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert stub.default_rich_menu and stub.default_rich_menu in out.decode()
