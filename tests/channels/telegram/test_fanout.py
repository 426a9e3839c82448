"""1,000 subscribers' digests through the delivery engine to the Bot API stand-in, under Telegram's real limits.

What a user would notice is asserted: every subscriber gets exactly one digest, Telegram never had to refuse
one for pacing (a 429 would be a late digest), none was unparseable, nothing is left pending. The finish time
against the limits' lower bound is a benchmark figure (``bench/telegram_fanout.py``), not asserted here.
"""

from __future__ import annotations

import pytest

from bot.store.client import RedisClient
from tests.channels.telegram.fanout import run_fanout

# PTB 22 warns when it builds a RetryAfter without PTB_TIMEDELTA; the channel reads both forms.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.mark.slow
async def test_a_thousand_digests_within_telegrams_limits(redis_client: RedisClient) -> None:
    result = await run_fanout(redis_client, subscribers=1000, scale=2.5, groups=20)
    assert result.chats_served == 1000, result  # 0 lost
    assert result.duplicates == 0, result
    assert result.violations == 0, result
    assert result.parse_errors == 0, result
    assert result.pending == 0, result
