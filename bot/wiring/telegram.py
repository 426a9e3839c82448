"""Telegram's side of the bot: the channel factory, and the PTB ``Application`` that turns updates into commands.

This is Telegram's inbound adapter. It translates, it does not decide (``bot.conversation.commands`` decides):

* a text message becomes ``commands.handle(Identity("telegram", (chat_id,)), text, language_hint=…)`` and the
  ``Reply`` goes back as a plain-text message (no parse mode: reply text can never break HTML);
* ``/start`` greets on top of ``subscribe`` (which also reactivates a subscription stopped by a block);
* in a group only commands are read (never the members' conversation), and only the chat's administrators
  may change the group's subscription; anyone may read ``/settings`` and ``/help``;
* ``/settings`` carries an inline keyboard that toggles topics and language; its callback data is untrusted
  client input, so it is parsed against the known topics and languages before it becomes a command;
* the bot's own membership changes (``my_chat_member``: blocked, kicked, left) deactivate the subscription at
  once, with the same reason a failed send would record.

The ``Application`` has no updater: ``bot.web.telegram`` verifies and deduplicates each webhook and hands the
update to ``TelegramBot.process``. PTB's errors raised by replies are logged by the error handler: a reply that
cannot be sent is never worth a 5xx to Telegram (it would only resend the update).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.conversation.parser import CommandError, parse_command
from bot.delivery.pacing import Pacer
from bot.runtime import Runtime
from bot.store.models import Identity, Subscription
from channels.base import RateLimit
from channels.telegram.channel import Pacer as ChannelPacer
from channels.telegram.channel import TelegramChannel
from summaries.topics import TOPICS

if TYPE_CHECKING:  # bot.app builds the channel registry, which imports this module's factory
    from bot.app import Services

__all__ = ["MalformedUpdate", "TelegramBot", "settings_keyboard", "shared_pacer", "telegram_channel"]

log = logging.getLogger(__name__)

_READ_ONLY = {"help", "settings"}
_LIST_ACTIONS = {"topics", "sources"}
_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
_GONE_STATUSES = {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}
_CALLBACK_ANSWER_MAX = 200
_LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Welcome to AIToday: the day's AI news in a few minutes, each story in three key points.",
        "after_start": "Send /settings to choose topics, time and language, or /help for every command.",
        "admins_only": "Only this group's admins can change its digest. You can still use /settings and /help.",
        "expired": "This button no longer works; send /settings for a fresh one.",
    },
    "ja": {
        "greeting": "AIToday へようこそ。その日のAIニュースを、1本ずつ3つの要点で短く届けます。",
        "after_start": "/settings でトピック・時刻・言語を選べます。/help でコマンド一覧を表示します。",
        "admins_only": "このグループの配信設定を変えられるのは管理者だけです。/settings と /help は使えます。",
        "expired": "このボタンは使えなくなりました。/settings をもう一度送ってください。",
    },
}


class MalformedUpdate(ValueError):
    """The webhook body is JSON but not a Telegram update PTB can read."""


def telegram_channel(runtime: Runtime) -> TelegramChannel | None:
    """The channel, or None when ``TELEGRAM_BOT_TOKEN`` is unset."""
    token = runtime.settings.telegram_bot_token
    if token is None:
        return None
    return TelegramChannel(token.get_secret_value(), api_url=runtime.settings.telegram_api_url,
                           pacer=shared_pacer(Pacer(runtime.redis)))


def shared_pacer(pacer: Pacer) -> ChannelPacer:
    """The later parts of a long digest take their tokens from the worker's Redis buckets, so a digest split
    in three still counts three against the bot's 30/s across every worker process."""

    async def acquire(limits: Sequence[RateLimit]) -> None:
        while True:
            wait = await pacer.acquire(limits, time.time())
            if wait <= 0:
                return
            await asyncio.sleep(wait)  # the wait Redis named for the next token; nothing is held meanwhile

    return acquire


def _text(language: str, key: str) -> str:
    return _TEXTS.get(language, _TEXTS["en"])[key]


def _language_of(user: User | None) -> str:
    """Telegram's ``language_code`` (an IETF tag such as ``ja`` or ``en-US``) as one of our languages."""
    code = (user.language_code or "") if user is not None else ""
    return "ja" if code.lower().startswith("ja") else "en"


def settings_keyboard(sub: Subscription | None) -> InlineKeyboardMarkup:
    """Topic toggles (✓ = chosen) and the two languages; callback data ``t:<topic>`` / ``l:<language>``."""
    chosen = set(sub.topics) if sub is not None else set()
    language = sub.effective_language if sub is not None else "en"
    topic_buttons = [InlineKeyboardButton(("✓ " if topic in chosen else "") + topic, callback_data=f"t:{topic}")
                     for topic in TOPICS]
    rows = [topic_buttons[i:i + 3] for i in range(0, len(topic_buttons), 3)]
    rows.append([InlineKeyboardButton(("✓ " if code == language else "") + name, callback_data=f"l:{code}")
                 for code, name in _LANGUAGE_NAMES.items()])
    return InlineKeyboardMarkup(rows)


def _callback_command(data: str, sub: Subscription | None) -> str | None:
    """The command a button stands for, or None when the data is not one we issued."""
    kind, _, value = data.partition(":")
    if kind == "t" and value in TOPICS:
        selected = sub is not None and value in sub.topics
        return f"topics {'remove' if selected else 'add'} {value}"
    if kind == "l" and value in _LANGUAGE_NAMES:
        return f"language {value}"
    return None


def _changes_subscription(text: str) -> bool:
    """Whether ``text`` would change the subscription (a malformed command changes nothing)."""
    try:
        command = parse_command(text)
    except CommandError:
        return False
    if command.name in _READ_ONLY:
        return False
    return not (command.name in _LIST_ACTIONS and command.action == "list")


class TelegramBot:
    """The PTB ``Application`` (no updater) with our handlers. Initialized on the first update."""

    def __init__(self, services: Services, token: str, api_url: str) -> None:
        base = api_url.rstrip("/")
        self._services = services
        self._app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(token).base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
            .updater(None).build()
        )
        self._app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._on_message))
        self._app.add_handler(CallbackQueryHandler(self._on_callback))
        self._app.add_handler(ChatMemberHandler(self._on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        self._app.add_error_handler(self._on_error)
        self._started = False
        self._lock = asyncio.Lock()

    async def process(self, data: dict[str, Any]) -> None:
        """Run the handlers for one update (already verified and deduplicated by the route)."""
        await self._start()
        try:
            update = Update.de_json(data, self._app.bot)
        except Exception as exc:  # untrusted JSON: any failure to read it (TypeError, AttributeError, Overflow…)
            raise MalformedUpdate(f"{exc.__class__.__name__}: {str(exc)[:200]}") from None
        await self._app.process_update(update)

    async def aclose(self) -> None:
        if self._started:
            await self._app.shutdown()
            self._started = False

    async def _start(self) -> None:
        async with self._lock:
            if not self._started:
                await self._app.initialize()  # getMe: the bot's username, for "/cmd@OtherBot" in groups
                self._started = True

    # ------------------------------------------------------------------------------------------ messages

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.text is None:
            return
        chat, user, text = message.chat, message.from_user, message.text
        private = chat.type == ChatType.PRIVATE
        word, addressed = self._command_word(text)
        if word is None and not private:
            return  # a group's conversation is not for us
        if addressed is False:
            return  # /command@SomeOtherBot
        if not private and not addressed and not _is_known_command(text):
            return  # a bare /command of another bot in the group
        hint = _language_of(user)
        identity = Identity("telegram", (str(chat.id),))
        if not private and _changes_subscription(text) and not await self._is_admin(chat, user, message):
            await message.reply_text(_text(hint, "admins_only"))
            return
        reply = await self._services.commands.handle(identity, text, language_hint=hint)
        body = reply.text
        if word == "start":
            body = "\n\n".join((_text(reply.language, "greeting"), reply.text, _text(reply.language, "after_start")))
        markup = None
        if reply.command == "settings":
            markup = settings_keyboard(await self._services.store.get(identity))
        await message.reply_text(body, reply_markup=markup)

    def _command_word(self, text: str) -> tuple[str | None, bool | None]:
        """``("time", None)`` for ``/time 7:30``; addressed True/False for ``/time@Bot`` (us or another bot)."""
        if not text.startswith("/"):
            return None, None
        head = text[1:].split(maxsplit=1)[0] if len(text) > 1 and not text[1].isspace() else ""
        name, at, target = head.partition("@")
        if not at:
            return name.lower(), None
        username = self._app.bot.username or ""
        return name.lower(), target.lower() == username.lower()

    async def _is_admin(self, chat: Chat, user: User | None, message: Message | None) -> bool:
        """Chat administrators (and the group itself, for anonymous admins posting as the group)."""
        if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True
        if user is None:
            return False
        try:
            member = await self._app.bot.get_chat_member(chat.id, user.id)
        except TelegramError as exc:  # cannot check: refuse, politely
            log.warning("telegram: getChatMember failed (%s)", exc.__class__.__name__)
            return False
        return member.status in _ADMINS

    # ------------------------------------------------------------------------------------------ buttons

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        hint = _language_of(query.from_user)
        message = query.message
        if message is None:
            await query.answer(_text(hint, "expired"))
            return
        chat = message.chat
        identity = Identity("telegram", (str(chat.id),))
        sub = await self._services.store.get(identity)
        command = _callback_command(query.data or "", sub)
        if command is None:
            await query.answer(_text(hint, "expired"))
            return
        if chat.type != ChatType.PRIVATE and not await self._is_admin(chat, query.from_user, None):
            await query.answer(_text(hint, "admins_only"), show_alert=True)
            return
        reply = await self._services.commands.handle(identity, command, language_hint=hint)
        await query.answer(_cut(reply.text, _CALLBACK_ANSWER_MAX))
        await query.edit_message_reply_markup(reply_markup=settings_keyboard(await self._services.store.get(identity)))

    # ------------------------------------------------------------------------------------------ membership

    async def _on_my_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Blocked in a private chat, or removed from a group: stop at once rather than at the next failed send.

        The reason matches what a failed send would record; ``/start`` (subscribe) reactivates.
        """
        change = update.my_chat_member
        if change is None or change.new_chat_member.status not in _GONE_STATUSES:
            return
        private = change.chat.type == ChatType.PRIVATE
        reason = "recipient gone: " + ("blocked by the user" if private else "removed from the chat")

        def deactivate(current: Subscription | None) -> Subscription | None:
            if current is None or not current.active:
                return None
            return current.with_changes(active=False, deactivated_reason=reason)

        await self._services.store.update(Identity("telegram", (str(change.chat.id),)), deactivate)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        log.error("telegram: handling an update failed: %s", error.__class__.__name__, exc_info=error)


def _is_known_command(text: str) -> bool:
    try:
        parse_command(text)
    except CommandError as error:
        return error.message != "unknown"
    return True


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
