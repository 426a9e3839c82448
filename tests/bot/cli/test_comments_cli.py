"""``aitoday comments list|remove`` as an operator runs it: a real process on the test Redis."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from bot.store.client import RedisClient
from bot.store.comments import CommentStore


async def _run(redis_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")} | {"AITODAY_REDIS_URL": redis_url}
    command = [sys.executable, "-m", "bot.cli", "--data-dir", str(data_dir), "comments", *args]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, env=env, timeout=60,
                                   check=False)


async def test_list_shows_reported_comments_and_remove_takes_one_down(
    redis_url: str, redis_client: RedisClient, tmp_path: Path
) -> None:
    store = CommentStore(redis_client)
    kept = await store.add("s1", "u1", "Ann", "A fair point about GPUs")
    spam = await store.add("s2", "u2", "Spammer", "buy now \u202e")
    for reader in ("u3", "u4", "u5"):
        await store.report(spam.id, reader)
    listing = await _run(redis_url, tmp_path, "list")
    assert listing.returncode == 0, listing.stderr
    assert kept.id in listing.stdout and spam.id in listing.stdout and "hidden" in listing.stdout
    assert "[U+202E]" in listing.stdout and "\u202e" not in listing.stdout
    reported = await _run(redis_url, tmp_path, "list", "--reported")
    assert spam.id in reported.stdout and kept.id not in reported.stdout
    removed = await _run(redis_url, tmp_path, "remove", spam.id)
    assert removed.returncode == 0 and spam.id in removed.stdout
    assert (await store.get(spam.id)).state == "removed"  # type: ignore[union-attr]
    missing = await _run(redis_url, tmp_path, "remove", "nope")
    assert missing.returncode == 1 and "no comment" in missing.stderr
