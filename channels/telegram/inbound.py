"""Telegram's inbound: ``POST /telegram/webhook`` updates into commands, replies through the channel's own ``Bot``.

It translates, it does not decide (the bot's ``Conversation`` does):

* ``X-Telegram-Bot-Api-Secret-Token`` (the ``secret_token`` given to ``setWebhook``) is compared in constant
  time: absent → 401, different → 403 (and 403 for everything while no secret is configured);
* a text message becomes an ``InboundMessage`` for the chat; the reply goes back as plain text (no parse
  mode: reply text can never break HTML). ``/start`` greets on top of ``subscribe``;
* in a group only commands are read (never the members' conversation), and only the chat's administrators
  may change the group's subscription; anyone may read ``/settings`` and ``/help``;
* ``/settings`` carries an inline keyboard that toggles topics and language; its callback data is untrusted
  client input, parsed against the known topics and languages before it becomes a command;
* the digest's 👍/👎 buttons (``f:+:<story id>``) become ``like``/``dislike <story id>``: the callback query is
  answered with the bot's reply (a toast) and the digest's keyboard stays as it is;
* the bot's own membership changes (``my_chat_member``: blocked, kicked, left) deactivate the subscription at
  once, with the same reason a failed send would record.

A reply that cannot be sent is logged, never worth a 5xx (Telegram would only resend the update).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)
from telegram import Update as TgUpdate
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from channels.base import ChannelError, InboundMessage, TransientError
from channels.inbound import (
    BadSignature,
    Conversation,
    HttpAnswer,
    HttpRequest,
    InboundBase,
    Malformed,
    SubscriberView,
    Unsigned,
    Update,
    loads_json,
)
from channels.telegram.channel import TelegramChannel
from channels.telegram.render import feedback_command
from summaries.topics import TOPICS

__all__ = ["MAX_BODY", "SECRET_HEADER", "TelegramInbound", "settings_keyboard"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
#: A real update is a few KB (a message, a callback query); anything near this is not Telegram.
MAX_BODY = 512 * 1024
_REMEMBER_SECONDS = 25 * 3600  # Telegram gives up on an update after 24 hours
_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
_GONE_STATUSES = {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}
_CALLBACK_ANSWER_MAX = 200
_LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}


def settings_keyboard(sub: SubscriberView | None) -> InlineKeyboardMarkup:
    """Topic toggles (✓ = chosen) and the two languages; callback data ``t:<topic>`` / ``l:<language>``."""
    chosen = set(sub.topics) if sub is not None else set()
    language = sub.language if sub is not None else "en"
    topic_buttons = [InlineKeyboardButton(("✓ " if topic in chosen else "") + topic, callback_data=f"t:{topic}")
                     for topic in TOPICS]
    rows = [topic_buttons[i:i + 3] for i in range(0, len(topic_buttons), 3)]
    rows.append([InlineKeyboardButton(("✓ " if code == language else "") + name, callback_data=f"l:{code}")
                 for code, name in _LANGUAGE_NAMES.items()])
    return InlineKeyboardMarkup(rows)


class TelegramInbound(InboundBase):
    """The webhook of one bot. ``secret`` None refuses every request: an unverifiable webhook never runs."""

    max_body = MAX_BODY
    remember_seconds = _REMEMBER_SECONDS

    def __init__(self, channel: TelegramChannel, conversation: Conversation, secret: str | None) -> None:
        self._channel = channel
        self._conversation = conversation
        self._secret = secret.encode() if secret else None
        if secret is None:
            log.warning("telegram: TELEGRAM_WEBHOOK_SECRET is not set; /telegram/webhook refuses every request")

    # ------------------------------------------------------------------------------------------ pipeline

    def verify(self, request: HttpRequest) -> None:
        given = request.headers.get(SECRET_HEADER.lower())
        if given is None:
            raise Unsigned("signature", "missing secret token")
        if self._secret is None or not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret):
            raise BadSignature("signature", "wrong secret token")

    def parse(self, request: HttpRequest) -> Sequence[Update]:
        data = loads_json(request.body)
        if not isinstance(data, dict):
            raise Malformed("malformed", "not a Telegram update")
        value = data.get("update_id")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Malformed("malformed", "not a Telegram update")
        return [Update(str(value), data)]

    async def handle(self, update: Update, request: HttpRequest) -> HttpAnswer | None:
        try:
            bot = await self._channel.started_bot()  # getMe: the bot's username, for "/cmd@OtherBot" in groups
        except ChannelError as exc:
            raise TransientError(f"Telegram unreachable: {exc.detail}") from None
        try:
            parsed = TgUpdate.de_json(update.payload, bot)
        except Exception as exc:  # untrusted JSON: any failure to read it (TypeError, AttributeError, Overflow…)
            raise Malformed("malformed", f"update PTB cannot read ({exc.__class__.__name__})") from None
        try:
            if parsed.message is not None and parsed.message.text is not None:
                await self._on_message(bot, parsed.message)
            elif parsed.callback_query is not None:
                await self._on_callback(bot, parsed.callback_query)
            elif parsed.my_chat_member is not None:
                await self._on_my_membership(parsed.my_chat_member)
        except TelegramError as exc:  # a reply Telegram refused: the command ran; log, never retry it
            log.warning("telegram: a reply failed (%s)", exc.__class__.__name__)
        return HttpAnswer.json({"ok": True})

    # ------------------------------------------------------------------------------------------ messages

    def _say(self, language: str, message_id: str) -> str:
        return self._conversation.text(language, message_id)

    async def _on_message(self, bot: Bot, message: Message) -> None:
        chat, user, text = message.chat, message.from_user, message.text or ""
        private = chat.type == ChatType.PRIVATE
        word, addressed = _command_word(text, bot.username or "")
        if word is None and not private:
            return  # a group's conversation is not for us
        if addressed is False:
            return  # /command@SomeOtherBot
        shape = self._conversation.shape(text)
        if not private and not addressed and not shape.known:
            return  # a bare /command of another bot in the group
        hint = _language_of(user)
        if not private and shape.changes and not await _is_admin(bot, chat, user, message):
            await message.reply_text(self._say(hint, "tg_admins_only"))
            return
        address = str(chat.id)
        answer = await self._conversation.handle(InboundMessage("telegram", address, text, language_hint=hint))
        body = answer.text
        if word == "start":
            body = "\n\n".join((self._say(answer.language, "tg_greeting"), answer.text,
                                self._say(answer.language, "tg_after_start")))
        markup = None
        if answer.command == "settings":
            markup = settings_keyboard(await self._conversation.subscriber("telegram", address))
        await message.reply_text(body, reply_markup=markup)

    # ------------------------------------------------------------------------------------------ buttons

    async def _on_callback(self, bot: Bot, query: CallbackQuery) -> None:
        hint = _language_of(query.from_user)
        message = query.message
        if message is None:
            await query.answer(self._say(hint, "tg_expired"))
            return
        chat = message.chat
        address = str(chat.id)
        feedback = feedback_command(query.data or "")
        command = feedback or _callback_command(query.data or "",
                                                await self._conversation.subscriber("telegram", address))
        if command is None:
            await query.answer(self._say(hint, "tg_expired"))
            return
        if chat.type != ChatType.PRIVATE and not await _is_admin(bot, chat, query.from_user, None):
            await query.answer(self._say(hint, "tg_admins_only"), show_alert=True)
            return
        answer = await self._conversation.handle(InboundMessage("telegram", address, command, language_hint=hint))
        await query.answer(_cut(answer.text, _CALLBACK_ANSWER_MAX))
        if feedback is not None:
            return  # a digest's 👍/👎: its keyboard stays
        await query.edit_message_reply_markup(
            reply_markup=settings_keyboard(await self._conversation.subscriber("telegram", address)))

    # ------------------------------------------------------------------------------------------ membership

    async def _on_my_membership(self, change: ChatMemberUpdated) -> None:
        """Blocked in a private chat, or removed from a group: stop at once rather than at the next failed send.

        The reason matches what a failed send would record; ``/start`` (subscribe) reactivates.
        """
        if change.new_chat_member.status not in _GONE_STATUSES:
            return
        private = change.chat.type == ChatType.PRIVATE
        reason = "recipient gone: " + ("blocked by the user" if private else "removed from the chat")
        await self._conversation.deactivate("telegram", str(change.chat.id), reason)


# ---------------------------------------------------------------------------------------------- helpers


def _language_of(user: User | None) -> str:
    """Telegram's ``language_code`` (an IETF tag such as ``ja`` or ``en-US``) as one of our languages."""
    code = (user.language_code or "") if user is not None else ""
    return "ja" if code.lower().startswith("ja") else "en"


def _command_word(text: str, username: str) -> tuple[str | None, bool | None]:
    """``("time", None)`` for ``/time 7:30``; addressed True/False for ``/time@Bot`` (us or another bot)."""
    if not text.startswith("/"):
        return None, None
    head = text[1:].split(maxsplit=1)[0] if len(text) > 1 and not text[1].isspace() else ""
    name, at, target = head.partition("@")
    if not at:
        return name.lower(), None
    return name.lower(), target.lower() == username.lower()


async def _is_admin(bot: Bot, chat: Chat, user: User | None, message: Message | None) -> bool:
    """Chat administrators (and the group itself, for anonymous admins posting as the group)."""
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    if user is None:
        return False
    try:
        member = await bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:  # cannot check: refuse, politely
        log.warning("telegram: getChatMember failed (%s)", exc.__class__.__name__)
        return False
    return member.status in _ADMINS


def _callback_command(data: str, sub: SubscriberView | None) -> str | None:
    """The command a button stands for, or None when the data is not one we issued."""
    kind, _, value = data.partition(":")
    if kind == "t" and value in TOPICS:
        selected = sub is not None and value in sub.topics
        return f"topics {'remove' if selected else 'add'} {value}"
    if kind == "l" and value in _LANGUAGE_NAMES:
        return f"language {value}"
    return None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

