"""Telegram: the digest through python-telegram-bot's ``Bot``, pointed at ``AITODAY_TELEGRAM_API_URL``.

Telegram's limits shape this adapter: ~30 messages/s for the whole bot, 1/s per chat, 20/min per group,
4,096 characters per message (``channels.telegram.render``). ``rate_limits`` declares the buckets one message
consumes; the worker waits for a token in each before calling ``send``. A digest that needs more than one
message paces its later parts itself, through the injected ``pacer`` (the same shared buckets) and a minimum
spacing of arrivals in the chat, because a retry of the whole delivery would repeat the parts already shown.

PTB's errors never leave this module; they become our tree (``channels.base``)::

    RetryAfter (int or timedelta)                 -> RateLimited(seconds, bucket "telegram:chat:<id>")
    ChatMigrated(new_chat_id)                     -> RecipientMoved(str(new_chat_id))
    Forbidden (blocked, kicked, deactivated, …)   -> RecipientGone(reason)
    BadRequest "chat not found", "not enough rights", "PEER_ID_INVALID"  -> RecipientGone(reason)
    BadRequest "can't parse entities", "message is too long", other 400  -> RenderBug (plain fallback)
    InvalidToken (401/404)                        -> InstallBroken
    TimedOut before the request left (connect/pool)        -> TransientError
    TimedOut / connection lost after sending               -> AmbiguousError
    NetworkError (5xx), Conflict, anything else            -> TransientError
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from channels.base import (
    AmbiguousError,
    ChannelError,
    Delivery,
    InstallBroken,
    RateLimit,
    RateLimited,
    Receipt,
    Recipient,
    RecipientGone,
    RecipientMoved,
    RenderBug,
    TransientError,
)
from channels.telegram.render import TelegramMessage, feedback_keyboard, render_messages, shown_stories
from summaries.models import Edition

__all__ = ["COMMAND_MENU", "Pacer", "TelegramChannel", "TelegramLimits", "retry_after_seconds", "translate_error"]

log = logging.getLogger(__name__)

#: Waits until every bucket has a token for one message (the worker's shared Redis buckets in production).
Pacer = Callable[[Sequence[RateLimit]], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

#: The command menu shown by Telegram clients, per language (``aitoday telegram setup``).
COMMAND_MENU: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("start", "Subscribe to the daily AI digest"),
        ("settings", "Show and change your settings"),
        ("time", "Delivery time, e.g. /time 07:30"),
        ("timezone", "Your time zone, e.g. /timezone Asia/Tokyo"),
        ("topics", "Topics, e.g. /topics add robotics"),
        ("sources", "Mute a source, e.g. /sources mute NAME"),
        ("language", "Digest language: en or ja"),
        ("minutes", "Minutes of reading per digest, 1-30"),
        ("items", "Stories per digest, 1-20"),
        ("pause", "Pause, e.g. /pause 7 days"),
        ("resume", "Resume after a pause"),
        ("now", "Today's digest now"),
        ("why", "Why today's stories were picked"),
        ("stop", "Unsubscribe"),
        ("help", "All commands with examples"),
    ),
    "ja": (
        ("start", "毎日のAIダイジェストを登録"),
        ("settings", "設定の表示と変更"),
        ("time", "配信時刻 例: /time 07:30"),
        ("timezone", "タイムゾーン 例: /timezone Asia/Tokyo"),
        ("topics", "トピック 例: /topics add robotics"),
        ("sources", "ソースのミュート 例: /sources mute 名前"),
        ("language", "言語: en か ja"),
        ("minutes", "読む時間 1〜30分"),
        ("items", "記事数 1〜20"),
        ("pause", "一時停止 例: /pause 7"),
        ("resume", "配信を再開"),
        ("now", "今日のダイジェストを今すぐ"),
        ("why", "今日の記事を選んだ理由"),
        ("stop", "配信を停止"),
        ("help", "コマンド一覧"),
    ),
}

_GONE_MARKERS = (
    ("blocked", "blocked by the user"),
    ("kicked", "removed from the chat"),
    ("deactivated", "account deactivated"),
    ("not a member", "removed from the chat"),
    ("chat not found", "chat not found"),
    ("user not found", "chat not found"),
    ("peer_id_invalid", "chat not found"),
    ("not enough rights", "no right to post"),
    ("have no rights", "no right to post"),
    ("chat_write_forbidden", "no right to post"),
)


@dataclass(frozen=True, slots=True)
class TelegramLimits:
    """Telegram's documented pacing. ``time_scale`` > 1 compresses the clock (tests, simulations).

    Each limit is declared as *one message per interval* (30/s → 1 per 1/30 s), not as "30 per second":
    Telegram counts over sliding windows, and a token bucket holding a second's worth of tokens would let a
    burst of 30 plus the refill through in one second, twice the limit. One token per interval keeps every
    window within the limit at the same long-run rate.
    """

    global_per_second: float = 30.0
    chat_per_second: float = 1.0
    group_per_minute: float = 20.0
    time_scale: float = 1.0

    def for_chat(self, chat: str) -> list[RateLimit]:
        scale = self.time_scale
        limits = [
            RateLimit("telegram:global", 1.0, 1.0 / self.global_per_second / scale),
            RateLimit(_chat_bucket(chat), 1.0, 1.0 / self.chat_per_second / scale),
        ]
        if chat.startswith("-"):  # negative ids are groups and supergroups
            limits.append(RateLimit(f"telegram:group:{chat}", 1.0, 60.0 / self.group_per_minute / scale))
        return limits

    def part_spacing(self, chat: str) -> float:
        """Wall-clock seconds between two messages to ``chat`` (1 s in a private chat, 3 s in a group)."""
        seconds = 1.0 / self.chat_per_second
        if chat.startswith("-"):
            seconds = max(seconds, 60.0 / self.group_per_minute)
        return seconds / self.time_scale


class TelegramChannel:
    """Sends digests with PTB's ``Bot``. Construction does no I/O; the bot initializes on first use."""

    name = "telegram"

    def __init__(
        self,
        token: str,
        *,
        api_url: str = "https://api.telegram.org",
        limits: TelegramLimits | None = None,
        pacer: Pacer | None = None,
        sleep: Sleep = asyncio.sleep,
        max_inline_wait: float = 30.0,
        timeout: float = 10.0,
    ) -> None:
        base = api_url.rstrip("/")
        request = HTTPXRequest(connection_pool_size=128, connect_timeout=min(5.0, timeout), read_timeout=timeout,
                               write_timeout=timeout, pool_timeout=min(5.0, timeout))
        self._bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)
        self._limits = limits or TelegramLimits()
        self._sleep = sleep
        self._pacer = pacer or _no_shared_pacer
        self._max_inline_wait = max_inline_wait
        self._started = False
        self._start_lock = asyncio.Lock()

    # ------------------------------------------------------------------------------------------ protocol

    def render(self, edition: Edition, language: str) -> list[dict[str, object]]:
        """The ``sendMessage`` parameters of each message of the digest."""
        return [message.to_params() for message in render_messages(edition, language)]

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        return self._limits.for_chat(recipient.address)

    async def send(self, delivery: Delivery) -> Receipt:
        """Send every part of the digest; return when Telegram accepted the last one.

        Raises only ``ChannelError``. A failure on the first part leaves nothing shown, so the worker may retry
        the delivery. Once a part is shown, a short ``RetryAfter`` on a later part is waited out here (up to
        ``max_inline_wait``) instead of raised. Parts accepted by an earlier attempt (``parts_done``) are not
        sent again, and ``delivery.progress`` hears of each accepted part, so a crash mid-digest resumes after it.
        """
        recipient = delivery.recipient
        chat_id = _chat_id(recipient.address)
        language = recipient.language or delivery.edition.language
        skip = 0  # a plain fallback starts after the stories the rich messages showed (cut differently)
        if delivery.plain and delivery.rich_parts_done:
            rich = render_messages(delivery.edition, language, late=delivery.late)
            skip = shown_stories(rich, delivery.rich_parts_done)
        messages = render_messages(delivery.edition, language, plain=delivery.plain, late=delivery.late, after=skip)
        await self._start()
        ids: list[str] = []
        accepted = 0.0
        for index, message in enumerate(messages):
            if index < delivery.parts_done:
                continue  # shown by an earlier attempt
            if ids:
                await self._pacer(self.rate_limits(recipient))
                # Tokens space the requests; this spaces the *arrivals* in this chat (a slow first answer must
                # not bring the next part in early), measured from when Telegram accepted the previous part.
                await asyncio.sleep(max(0.0, accepted + self._limits.part_spacing(recipient.address)
                                        - time.monotonic()))
            ids.append(await self._send_part(chat_id, recipient.address, message, shown=index))
            accepted = time.monotonic()
            if delivery.progress is not None and (len(messages) > 1 or skip):  # a one-message digest: no resume
                await delivery.progress(index + 1)
        return Receipt(provider_message_id=",".join(ids), accepted_at=datetime.now(UTC), messages=len(ids))

    async def aclose(self) -> None:
        if self._started:
            await self._bot.shutdown()
            self._started = False

    async def started_bot(self) -> Bot:
        """The one PTB ``Bot`` of this token, initialized (its username known); inbound replies use it too."""
        await self._start()
        return self._bot

    # ------------------------------------------------------------------------------------------ setup

    async def setup_webhook(self, url: str, secret_token: str) -> None:
        """``setWebhook`` with the secret Telegram echoes in ``X-Telegram-Bot-Api-Secret-Token``."""
        await self._start()
        try:
            await self._bot.set_webhook(url=url, secret_token=secret_token,
                                        allowed_updates=["message", "callback_query", "my_chat_member"])
        except TelegramError as exc:
            raise translate_error(exc, "") from None

    async def setup_commands(self) -> list[str]:
        """``setMyCommands`` for each menu language (English also as the default). Returns the codes set."""
        await self._start()
        done: list[str] = []
        try:
            for language, menu in COMMAND_MENU.items():
                commands = [BotCommand(command, description) for command, description in menu]
                if language == "en":
                    await self._bot.set_my_commands(commands)
                    done.append("default")
                await self._bot.set_my_commands(commands, language_code=language)
                done.append(language)
        except TelegramError as exc:
            raise translate_error(exc, "") from None
        return done

    # ------------------------------------------------------------------------------------------ internals

    async def _start(self) -> None:
        async with self._start_lock:
            if self._started:
                return
            try:
                await self._bot.initialize()  # getMe: also proves the token
            except TelegramError as exc:
                raise translate_error(exc, "") from None
            self._started = True

    async def _send_part(self, chat_id: int | str, address: str, message: TelegramMessage, *, shown: int) -> str:
        preview = (LinkPreviewOptions(is_disabled=False, url=message.preview_url) if message.preview_url
                   else LinkPreviewOptions(is_disabled=True))
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
                                       for row in feedback_keyboard(message)]) if message.stories else None
        waited = 0.0
        while True:
            try:
                sent = await self._bot.send_message(
                    chat_id=chat_id,
                    text=message.text,
                    parse_mode=ParseMode.HTML if message.html else None,
                    link_preview_options=preview,
                    reply_markup=markup,  # 👍/👎 under each story (callback_query → like/dislike <story id>)
                )
                return str(sent.message_id)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                if shown and waited + seconds <= self._max_inline_wait:
                    waited += seconds
                    await self._sleep(seconds)
                    continue
                raise RateLimited(seconds, _chat_bucket(address)) from None
            except TelegramError as exc:
                raise translate_error(exc, address) from None

async def _no_shared_pacer(limits: Sequence[RateLimit]) -> None:
    """Without shared buckets, the per-chat spacing in ``send`` is the only pacing between parts."""


def retry_after_seconds(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds: PTB 22 gives an int (with a deprecation warning) or a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return max(0.0, value.total_seconds())
    return max(0.0, float(value))


def translate_error(exc: TelegramError, address: str) -> ChannelError:
    """Our error for a PTB error (see the module docstring). ``detail`` never carries the token."""
    if isinstance(exc, RetryAfter):
        return RateLimited(retry_after_seconds(exc), _chat_bucket(address) if address else "telegram:global")
    if isinstance(exc, ChatMigrated):
        return RecipientMoved(str(exc.new_chat_id), detail="group upgraded to a supergroup")
    if isinstance(exc, InvalidToken):
        return InstallBroken("Telegram rejected the bot token")
    message = exc.message
    lowered = message.lower()
    if isinstance(exc, Forbidden):
        return RecipientGone(_gone_reason(lowered) or "forbidden")
    if isinstance(exc, BadRequest):
        reason = _gone_reason(lowered)
        if reason:
            return RecipientGone(reason)
        return RenderBug(f"Telegram rejected the message: {message[:200]}")
    if isinstance(exc, TimedOut):
        if isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout) or "pool timeout" in lowered:
            return TransientError("timed out before the request was sent")
        return AmbiguousError("timed out waiting for Telegram's answer")
    if isinstance(exc, Conflict):
        return TransientError(f"conflict: {message[:200]}")
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError):
        return TransientError("could not connect to Telegram")
    if isinstance(cause, httpx.HTTPError):
        return AmbiguousError(f"connection lost: {cause.__class__.__name__}")
    return TransientError(f"Telegram error: {message[:200]}")


def _gone_reason(lowered: str) -> str:
    for marker, reason in _GONE_MARKERS:
        if marker in lowered:
            return reason
    return ""


def _chat_bucket(chat: str) -> str:
    return f"telegram:chat:{chat}"


def _chat_id(address: str) -> int | str:
    """Telegram chat ids are integers; ``@channelname`` is also accepted by the API."""
    try:
        return int(address)
    except ValueError:
        if address.startswith("@") and len(address) > 1:
            return address
        raise RecipientGone(f"not a Telegram chat id: {address[:40]!r}") from None
