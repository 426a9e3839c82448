"""Parse what a reader typed into a ``Command``, in English or Japanese. Pure: no I/O, no state.

Every channel funnels text here (Slack strips ``/aitoday``, Telegram strips ``/``; LINE and email pass the
plain words). A malformed command raises ``CommandError`` carrying a message id, its parameters and a correct
example, which the handler renders in the reader's language as one line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import time
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from summaries.topics import TOPICS, resolve_topic

__all__ = [
    "COMMANDS", "MAX_ITEMS", "MAX_PAUSE_DAYS", "Command", "CommandError", "looks_japanese", "parse_command",
    "parse_days", "parse_time", "parse_timezone",
]

MAX_ITEMS = 20
MAX_MINUTES = 30
MAX_PAUSE_DAYS = 365
_MAX_INPUT = 1000

_ALIASES: dict[str, str] = {
    "subscribe": "subscribe", "start": "subscribe", "登録": "subscribe", "購読": "subscribe", "開始": "subscribe",
    "unsubscribe": "unsubscribe", "stop": "unsubscribe", "解除": "unsubscribe", "購読解除": "unsubscribe",
    "配信停止": "unsubscribe", "登録解除": "unsubscribe",
    "time": "time", "時間": "time", "時刻": "time", "配信時間": "time", "配信時刻": "time",
    "timezone": "timezone", "tz": "timezone", "zone": "timezone", "タイムゾーン": "timezone", "時差": "timezone",
    "topics": "topics", "topic": "topics", "トピック": "topics", "話題": "topics",
    "sources": "sources", "source": "sources", "ソース": "sources", "情報源": "sources",
    "language": "language", "lang": "language", "言語": "language",
    "items": "items", "件数": "items", "記事数": "items",
    "minutes": "minutes", "minute": "minutes", "mins": "minutes", "分": "minutes", "分数": "minutes",
    "読む時間": "minutes",
    "pause": "pause", "停止": "pause", "一時停止": "pause", "休止": "pause",
    "resume": "resume", "再開": "resume",
    "now": "now", "today": "now", "今すぐ": "now", "今日": "now", "今日のダイジェスト": "now",
    "settings": "settings", "status": "settings", "設定": "settings",
    "help": "help", "?": "help", "ヘルプ": "help", "使い方": "help", "help me": "help",
    "days": "days", "day": "days", "曜日": "days", "配信日": "days", "平日": "days", "毎日": "days",
    "link": "link", "連携": "link", "unlink": "unlink", "連携解除": "unlink",
    "deliver": "deliver", "配信先": "deliver",
    "why": "why", "なぜ": "why", "理由": "why", "like": "like", "👍": "like", "いいね": "like",
    "dislike": "dislike", "👎": "dislike", "よくない": "dislike", "興味なし": "dislike",
}

#: Channels a linked reader can pick for ``deliver on``.
_DELIVERY_CHANNELS = {"slack": "slack", "telegram": "telegram", "line": "line", "email": "email", "mail": "email",
                      "メール": "email", "スラック": "slack", "テレグラム": "telegram"}

#: ``days`` values: a day of the week (Monday = 0) by every name a reader types.
_DAY_NAMES: dict[str, int] = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                         "sunday"))},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
    **{name: i for i, name in enumerate("月火水木金土日")},
}
_DAY_SETS: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)), "every day": tuple(range(7)), "everyday": tuple(range(7)), "all": tuple(range(7)),
    "毎日": tuple(range(7)), "weekdays": tuple(range(5)), "weekday": tuple(range(5)), "平日": tuple(range(5)),
    "workdays": tuple(range(5)), "weekends": (5, 6), "weekend": (5, 6), "週末": (5, 6), "土日": (5, 6),
}

#: The command names ``parse_command`` can return (``bot.conversation.commands`` runs each).
COMMANDS = frozenset(_ALIASES.values())

_SUBACTIONS: dict[str, dict[str, str]] = {
    "topics": {"add": "add", "追加": "add", "remove": "remove", "rm": "remove", "delete": "remove",
               "削除": "remove", "clear": "clear", "reset": "clear", "クリア": "clear", "全部": "clear"},
    "sources": {"mute": "mute", "ミュート": "mute", "unmute": "unmute", "ミュート解除": "unmute"},
}

_LANGUAGES: dict[str, str] = {
    "en": "en", "english": "en", "英語": "en", "ja": "ja", "japanese": "ja", "日本語": "ja", "jp": "ja",
}

#: Common city and country names readers type, mapped to IANA zones (keys case-folded).
_CITY_ZONES: dict[str, str] = {
    "new york": "America/New_York", "nyc": "America/New_York", "san francisco": "America/Los_Angeles",
    "sf": "America/Los_Angeles", "seattle": "America/Los_Angeles", "boston": "America/New_York",
    "washington": "America/New_York", "london": "Europe/London", "uk": "Europe/London", "paris": "Europe/Paris",
    "berlin": "Europe/Berlin", "tokyo": "Asia/Tokyo", "japan": "Asia/Tokyo", "osaka": "Asia/Tokyo",
    "東京": "Asia/Tokyo", "大阪": "Asia/Tokyo", "日本": "Asia/Tokyo", "jst": "Asia/Tokyo",
    "ニューヨーク": "America/New_York", "ロンドン": "Europe/London", "パリ": "Europe/Paris",
    "singapore": "Asia/Singapore", "seoul": "Asia/Seoul", "beijing": "Asia/Shanghai",
    "india": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
    "sydney": "Australia/Sydney", "utc": "UTC", "gmt": "UTC", "pst": "America/Los_Angeles",
    "pt": "America/Los_Angeles", "est": "America/New_York", "et": "America/New_York",
    "cet": "Europe/Paris", "kathmandu": "Asia/Kathmandu",
}
_AREAS = {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command. ``japanese`` records that the reader wrote in Japanese (for reply language)."""

    name: str
    action: str = ""
    values: tuple[str, ...] = ()
    at: time | None = None
    number: int | None = None
    japanese: bool = False


@dataclass
class CommandError(Exception):
    """A malformed or unknown command: ``message`` id + ``params`` for i18n, and a correct ``example``."""

    message: str
    params: dict[str, str] = field(default_factory=dict)
    example: str = "help"
    japanese: bool = False

    def __str__(self) -> str:
        return f"{self.message} {self.params}"


def looks_japanese(text: str) -> bool:
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uff66" <= ch <= "\uff9f" for ch in text
    )


def _normalise(text: str) -> str:
    """NFKC (full-width digits and colons become ASCII), no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", text[:_MAX_INPUT])
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.replace("、", ",").replace("，", ",").split())


def parse_command(raw: str) -> Command:
    """Parse one command line. Raises ``CommandError`` with a correct example when it cannot."""
    japanese = looks_japanese(raw)
    text = _normalise(raw)
    for prefix in ("/aitoday ", "/", "@aitoday "):
        if text.lower().startswith(prefix):
            text = text[len(prefix):].lstrip()
    text = re.sub(r"^(\w+)@\w+", r"\1", text)  # Telegram's /time@AITodayBot in groups
    if not text:
        raise CommandError("empty", example="help", japanese=japanese)
    if re.fullmatch(r"\d{6}", text):
        return Command("link", action="redeem", values=(text,), japanese=japanese)  # a code from ``link``
    head, rest = _split_head(text)
    if head in ("平日", "毎日") and not rest:
        rest = head  # 平日 / 毎日 alone are the whole command
    name = _ALIASES.get(head.lower())
    if name is None:
        shown = head if len(head) <= 30 else head[:29] + "…"
        raise CommandError("unknown", {"word": shown}, example="help", japanese=japanese)
    parse = _PARSERS.get(name, _no_arguments)
    return parse(name, rest, japanese)


#: Japanese command words, longest first (``読む時間`` before ``時間``): sorted once, not for every message.
_JAPANESE_ALIASES: tuple[str, ...] = tuple(sorted((a for a in _ALIASES if looks_japanese(a)), key=len, reverse=True))


def _split_head(text: str) -> tuple[str, str]:
    """The command word and the rest. Japanese commands may omit the space (``時間7:30``, ``停止7日``)."""
    lowered = text.lower()
    for alias in _JAPANESE_ALIASES:
        if lowered.startswith(alias):
            return alias, text[len(alias):].strip()
    if lowered.startswith("help me"):
        return "help", ""
    head, _, rest = text.partition(" ")
    return head, rest.strip()


def _no_arguments(name: str, rest: str, japanese: bool) -> Command:
    if rest and name not in {"help", "settings", "now", "subscribe", "unsubscribe", "resume", "unlink"}:
        raise CommandError("no_args", {"command": name}, example=name, japanese=japanese)
    return Command(name, japanese=japanese)


def _parse_time_command(name: str, rest: str, japanese: bool) -> Command:
    if not rest:
        raise CommandError("time_missing", example="time 07:30", japanese=japanese)
    at = parse_time(rest)
    if at is None:
        raise CommandError("time_invalid", {"value": rest[:30]}, example="time 07:30", japanese=japanese)
    return Command(name, at=at, japanese=japanese)


def _parse_timezone_command(name: str, rest: str, japanese: bool) -> Command:
    if not rest:
        raise CommandError("tz_missing", example="timezone Asia/Tokyo", japanese=japanese)
    zone = parse_timezone(rest)
    if zone is None:
        raise CommandError("tz_invalid", {"value": rest[:40]}, example="timezone Asia/Tokyo", japanese=japanese)
    return Command(name, values=(zone,), japanese=japanese)


def _parse_topics(name: str, rest: str, japanese: bool) -> Command:
    if not rest:
        return Command(name, action="list", japanese=japanese)
    head, _, tail = rest.partition(" ")
    action = _SUBACTIONS["topics"].get(head.lower())
    if action is None:
        # "topics robotics, chips" reads as add
        action, tail = "add", rest
    if action == "clear":
        return Command(name, action="clear", japanese=japanese)
    if "," in tail:
        wanted = [t.strip() for t in tail.split(",") if t.strip()]
    elif resolve_topic(tail):
        wanted = [tail.strip()]
    else:
        wanted = tail.split()
    if not wanted:
        raise CommandError("topics_missing", {"action": action}, example=f"topics {action} robotics",
                           japanese=japanese)
    resolved: list[str] = []
    for item in wanted:
        topic = resolve_topic(item)
        if topic is None:
            raise CommandError(
                "topic_unknown",
                {"value": item[:30], "known": ", ".join(TOPICS)},
                example=f"topics {action} robotics",
                japanese=japanese,
            )
        if topic not in resolved:
            resolved.append(topic)
    return Command(name, action=action, values=tuple(resolved), japanese=japanese)


def _parse_sources(name: str, rest: str, japanese: bool) -> Command:
    if not rest:
        return Command(name, action="list", japanese=japanese)
    lowered = rest.lower()
    for word, action in sorted(_SUBACTIONS["sources"].items(), key=lambda kv: len(kv[0]), reverse=True):
        if lowered.startswith(word) and (not word.isascii() or lowered[len(word):][:1] in ("", " ")):
            target = rest[len(word):].strip()
            if not target:
                raise CommandError("source_missing", {"action": action}, example=f"sources {action} OpenAI News",
                                   japanese=japanese)
            return Command(name, action=action, values=(target[:80],), japanese=japanese)
    raise CommandError("sources_usage", example="sources mute OpenAI News", japanese=japanese)


def _parse_language(name: str, rest: str, japanese: bool) -> Command:
    language = _LANGUAGES.get(rest.lower().strip())
    if language is None:
        raise CommandError("language_invalid", {"value": rest[:20]}, example="language ja", japanese=japanese)
    return Command(name, values=(language,), japanese=japanese)


def _parse_count(name: str, rest: str, japanese: bool) -> Command:
    """``items 8`` (1–20 stories) and ``minutes 10`` / ``分 10`` (1–30 minutes of reading): one number in range."""
    unit, high = (r"分|min|mins|minutes?", MAX_MINUTES) if name == "minutes" else (r"件|items?|stories", MAX_ITEMS)
    match = re.fullmatch(rf"(\d{{1,6}})\s*(?:{unit})?", rest.strip().lower())
    if match is None:
        raise CommandError(f"{name}_invalid", {"value": rest[:20] or "—"}, example=f"{name} 5", japanese=japanese)
    if not 1 <= (number := int(match.group(1))) <= high:
        raise CommandError(f"{name}_range", {"value": str(number)}, example=f"{name} 5", japanese=japanese)
    return Command(name, number=number, japanese=japanese)


def _parse_pause(name: str, rest: str, japanese: bool) -> Command:
    if not rest:
        return Command(name, japanese=japanese)
    match = re.fullmatch(r"(?:for\s+)?(\d{1,4})\s*(?:d|days?|日|日間)?", rest.strip().lower())
    if match is None:
        raise CommandError("pause_invalid", {"value": rest[:20]}, example="pause 7 days", japanese=japanese)
    days = int(match.group(1))
    if not 1 <= days <= MAX_PAUSE_DAYS:
        raise CommandError("pause_range", {"value": str(days)}, example="pause 7 days", japanese=japanese)
    return Command(name, number=days, japanese=japanese)


def parse_days(text: str) -> tuple[int, ...] | None:
    """``mon-fri``, ``weekdays``, ``daily``, ``mon,wed,fri``, ``月-金``, ``平日`` → sorted days (Monday = 0)."""
    value = " ".join(unicodedata.normalize("NFKC", text).strip().lower().replace("〜", "-").replace("~", "-").split())
    if value in _DAY_SETS:
        return _DAY_SETS[value]
    days: set[int] = set()
    for part in re.split(r"\s*[, ・]\s*", value):
        start, dash, end = part.partition("-")
        first, last = _DAY_NAMES.get(start.strip().removesuffix("曜日").removesuffix("曜")), None
        if dash:
            last = _DAY_NAMES.get(end.strip().removesuffix("曜日").removesuffix("曜"))
            if first is None or last is None:
                return None
            span = range(first, last + 1) if first <= last else (*range(first, 7), *range(0, last + 1))
            days.update(span)
        elif first is not None:
            days.add(first)
        else:
            return None
    return tuple(sorted(days)) or None


def _parse_days(name: str, rest: str, japanese: bool) -> Command:
    if not rest:
        raise CommandError("days_missing", example="days mon-fri", japanese=japanese)
    days = parse_days(rest)
    if days is None:
        raise CommandError("days_invalid", {"value": rest[:30]}, example="days mon-fri", japanese=japanese)
    return Command(name, values=tuple(str(day) for day in days), japanese=japanese)


def _parse_link(name: str, rest: str, japanese: bool) -> Command:
    if not rest:
        return Command(name, japanese=japanese)
    if re.fullmatch(r"\d{6}", rest):
        return Command(name, action="redeem", values=(rest,), japanese=japanese)
    raise CommandError("link_invalid", {"value": rest[:20]}, example="link", japanese=japanese)


def _parse_feedback(name: str, rest: str, japanese: bool) -> Command:
    """``like 3`` (the third story of today's digest) or ``like <story id>`` (what every channel's button sends)."""
    ref = rest.strip().removeprefix("#").removesuffix("番")
    if re.fullmatch(r"\d{1,2}", ref) and 1 <= int(ref) <= MAX_ITEMS:
        return Command(name, number=int(ref), japanese=japanese)
    if re.fullmatch(r"[A-Za-z0-9_-]{3,80}", ref):
        return Command(name, values=(ref,), japanese=japanese)
    raise CommandError("story_ref_invalid", {"value": ref[:20] or "—"}, example=f"{name} 1", japanese=japanese)


def _parse_deliver(name: str, rest: str, japanese: bool) -> Command:
    words = [w for w in rest.lower().split() if w not in ("on", "to", "via", "by", "に", "で")]
    channel = _DELIVERY_CHANNELS.get(words[0]) if len(words) == 1 else None
    if channel is None:
        raise CommandError("deliver_invalid", {"value": rest[:20] or "—"}, example="deliver on slack",
                           japanese=japanese)
    return Command(name, values=(channel,), japanese=japanese)


_PARSERS = {
    "like": _parse_feedback, "dislike": _parse_feedback, "link": _parse_link, "deliver": _parse_deliver,
    "days": _parse_days, "time": _parse_time_command, "timezone": _parse_timezone_command, "topics": _parse_topics,
    "sources": _parse_sources, "language": _parse_language, "items": _parse_count, "minutes": _parse_count,
    "pause": _parse_pause,
}

_TIME_PATTERNS = (
    re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)"),
    re.compile(r"(?:(?P<ampm>午前|午後)\s*)?(?P<h>\d{1,2})時(?:(?P<m>\d{1,2})分|半)?"),
    re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})"),
    re.compile(r"(?P<h>\d{1,2})(?P<m>\d{2})"),
    re.compile(r"(?P<h>\d{1,2})"),
)


def parse_time(text: str) -> time | None:
    """``07:30``, ``7:30``, ``7am``, ``7:30pm``, ``19時``, ``19時30分``, ``午後7時半``, ``0730`` → a time."""
    value = unicodedata.normalize("NFKC", text).strip().lower()
    for pattern in _TIME_PATTERNS:
        match = pattern.fullmatch(value)
        if match is None:
            continue
        hour = int(match.group("h"))
        minute_text = match.groupdict().get("m")
        minute = int(minute_text) if minute_text else (30 if value.endswith("半") else 0)
        ampm = match.groupdict().get("ampm")
        if ampm:
            if not 1 <= hour <= 12 and ampm not in ("午前", "午後"):
                return None
            if ampm in ("pm", "p.m.", "午後") and hour < 12:
                hour += 12
            elif ampm in ("am", "a.m.", "午前") and hour == 12:
                hour = 0
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return time(hour, minute)
        return None
    return None


@cache
def _zone_index() -> dict[str, str]:
    index: dict[str, str] = {"utc": "UTC", "etc/utc": "UTC"}
    for name in (n for n in available_timezones() if n.partition("/")[0] in _AREAS):  # no localtime, Factory
        index[name.casefold()] = name
        city = name.rsplit("/", 1)[-1].replace("_", " ").casefold()
        if "/" in name and not name.startswith(("Etc/", "SystemV/")):
            index.setdefault(city, name)
    index.update(_CITY_ZONES)
    return index


def parse_timezone(text: str) -> str | None:
    """An IANA region zone (case-insensitive), ``UTC`` or a common city → the IANA name; None otherwise."""
    key = " ".join(unicodedata.normalize("NFKC", text).strip().split()).casefold()
    zone = _zone_index().get(key) or _zone_index().get(key.replace(" ", "_"))
    if zone is None:
        return None
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError):  # pragma: no cover - the index comes from the same database
        return None
    return zone
