"""Plain-language preferences: "send me robotics news at 8am" → the strict commands it means. Pure, offline.

Why a grammar and not a model: every phrase must land on the *same* commands the strict language has
(``bot.conversation.parser``), so that the rules (time forms, IANA zones, topic names, ranges) exist once and a
phrase can never put free text into a setting. ``understand`` only *recognises*; the handler then runs each
strict command as if the reader had typed it, and echoes what it understood.

Families, in English and Japanese (each may combine with the others in one sentence):

* time — "at 8am", "at 7:15", "8時に", "朝8時", "夜9時", "午後7時半";
* days — "every weekday", "weekdays only", "mon-fri", "平日だけ" → ``days mon-fri``; "every day", "毎日" →
  ``days daily`` ("every morning" / "毎朝" says nothing about days);
* topics — any topic name or alias ("robotics", "ロボット") → ``topics add``; after a negation ("no more",
  "stop", "fewer", "はいらない") → ``topics remove``;
* sources — "no more TechCrunch", "TechCrunchはいらない" (a negated name that is not a topic) → ``sources mute``;
* length — "fewer stories" / "減らして" and "more stories" / "増やして" move ``minutes`` by two within 1–30;
  "only 3 stories" / "3件" → ``items 3``; "10 minutes a day" / "10分" → ``minutes 10``;
* pause — "pause for 2 weeks", "on vacation for 10 days", "1週間お休み" → ``pause N``; "I'm back" → ``resume``;
* language — "in Japanese", "日本語で" → ``language``; zone — "Tokyo time", "I'm in London" → ``timezone``;
* "send me …" / "送って" with anything else → ``subscribe`` first;
* a vote on a story of the last digest, by its number, as the *whole* message — "more like 2", "I liked story 2",
  "2が良かった", "2番の記事が良かった" → ``like 2``; "less like 3", "I didn't like 3", "2はいらない" → ``dislike 2``.
  Only a number with a verdict and nothing else: "more like 2 stories", "3件はいらない" or "no more chips" are
  not votes, and a vote never mixes with preferences in one sentence. Its reply is the vote's own (it names
  the story), not the preferences summary.

A phrase that yields nothing is not understood: the handler answers "I did not understand, try …".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.conversation.parser import MAX_ITEMS, MAX_MINUTES, CommandError, parse_command, parse_time, parse_timezone
from summaries.topics import TOPIC_ALIASES, TOPICS

__all__ = ["Understanding", "understand"]

_MAX_PHRASE = 300
_MINUTES_STEP = 2


@dataclass(frozen=True, slots=True)
class Understanding:
    """The strict commands a phrase stands for, in the order they should run."""

    commands: tuple[str, ...]
    #: False for a vote: the command's own reply answers (a preferences summary would not name the story).
    echo: bool = True


# ------------------------------------------------------------------------------------------------ patterns

_EN_TIME = re.compile(
    r"\b(?:at|around|by|@)\s*(\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)(?![\w:])"
    r"|\b(\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.))(?!\w)"
)
_JA_TIME = re.compile(r"(朝|夜|夕方|午前|午後)?\s*(\d{1,2})\s*時\s*(半|\d{1,2}\s*分)?")
_WEEKDAYS = re.compile(r"\b(?:every\s+weekday|weekdays?(?:\s+only)?|on\s+weekdays|mon(?:day)?\s*(?:-|to|through)"
                       r"\s*fri(?:day)?|work\s*days?|business\s+days?)\b|平日")
_DAILY = re.compile(r"\b(?:every\s+day|daily|each\s+day|weekends?\s+too|also\s+on\s+weekends?|7\s+days\s+a\s+week)"
                    r"\b|毎日|土日も")
_NEGATION_EN = re.compile(
    r"\b(?:no\s+more|stop(?:\s+sending(?:\s+me)?)?|without|don'?t\s+(?:want|send(?:\s+me)?)|not\s+interested\s+in"
    r"|less|fewer|mute|drop|remove|skip|hide)\s+(?:the\s+)?(?:news\s+(?:from|about)\s+|stories\s+(?:from|about)\s+"
    r"|anything\s+(?:from|about)\s+)?([^,.;!?]+)",
    re.IGNORECASE,
)
_NEGATION_JA = re.compile(
    r"([^、。,.\s]+?)\s*(?:の(?:ニュース|記事))?\s*(?:は|を)?\s*"
    r"(?:いらない|要らない|不要|やめて|止めて|減らして|ミュート|は結構|外して|消して)"
)
_FEWER = re.compile(r"\b(?:fewer|less)\s+(?:stories|news|items|articles)\b|\bshorter\b|減らして|少なく|少なめ")
_MORE = re.compile(r"(?<!no )\bmore\s+(?:stories|news|items|articles)\b|\blonger\b|増やして|多く|多め")
_COUNT = re.compile(
    r"\b(?:only\s+|just\s+)?(\d{1,3})\s+(?:stories|items|articles|headlines)\b|(\d{1,3})\s*(?:件|本|記事)"
)
_MINUTES = re.compile(r"\b(\d{1,2})[\s-]*(?:minutes?|mins?)(?:\s+(?:a|per)\s+day|\s+read|\s+of\s+reading)?\b"
                      r"|(\d{1,2})\s*分")
_PAUSE = re.compile(
    r"\b(?:pause|break|vacation|holiday|away|off)\b[^\d]{0,20}(?:for\s+)?(a|one|\d{1,3})\s*(days?|weeks?)\b"
    r"|(\d{1,3})\s*(日|週間)\s*(?:間)?\s*(?:停止|休止|お休み|止めて|休み)"
)
_RESUME = re.compile(r"\b(?:i'?m\s+back|start\s+again|resume|back\s+from\s+(?:vacation|holiday))\b|再開して|戻りました")
_LANGUAGE = re.compile(r"\bin\s+(english|japanese)\b|(英語|日本語)で")
_ZONE = re.compile(
    r"\b(?:i'?m\s+in|i\s+live\s+in|my\s+time\s*zone\s+is|in\s+the)\s+([A-Za-z_/ ]{2,40}?)"
    r"(?:\s+time(?:zone)?)?(?:[,.;!?]|$)"
    r"|\b([A-Za-z_/]{2,30}(?:\s[A-Za-z_]{2,20})?)\s+time\b"
)
_SUBSCRIBE = re.compile(r"\b(?:send\s+me|i\s+(?:want|would\s+like)|give\s+me|sign\s+me\s+up|subscribe)\b"
                        r"|送って|届けて|ほしい|欲しい|配信して|購読したい")
_NUMBER_WORDS = {"a": 1, "one": 1}
# A vote is the whole message: a story number and a verdict, then at most a "please" or a full stop.
_STORY_EN = r"(?:the\s+)?(?:story\s+|number\s+|no\.?\s*|#)?(\d{1,2})"
_STORY_JA = r"(\d{1,2})\s*(?:番目?)?\s*(?:の\s*(?:記事|ニュース))?\s*"
_VOTE_END = r"(?:\s*(?:please|thanks|です|でした|ね|[!.。]))*"
_LIKE = re.compile(
    rf"(?:i\s+(?:really\s+)?(?:liked|loved|enjoyed)|more\s+(?:stories\s+)?like|more\s+of)\s+{_STORY_EN}{_VOTE_END}"
    rf"|{_STORY_JA}(?:が|は)\s*(?:良かった|よかった|好き|面白かった|おもしろかった){_VOTE_END}"
    rf"|{_STORY_JA}(?:みたいな|のような)\s*(?:記事|ニュース)?\s*を?\s*もっと{_VOTE_END}"
)
_DISLIKE = re.compile(
    rf"(?:i\s+(?:didn'?t|did\s+not)\s+(?:like|enjoy)|(?:less|fewer)\s+(?:stories\s+)?like)\s+{_STORY_EN}{_VOTE_END}"
    rf"|{_STORY_JA}(?:は|を)?\s*(?:いらない|要らない|不要|興味ない|興味なし){_VOTE_END}"
)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:_MAX_PHRASE])
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split()).lower()


def _topic_words() -> list[tuple[str, str]]:
    """Every spelling of every topic, longest first, so "language models" wins over "models"."""
    words = [(name, name) for name in TOPICS] + list(TOPIC_ALIASES.items())
    return sorted(words, key=lambda pair: len(pair[0]), reverse=True)


def _topics_in(text: str) -> list[str]:
    found: list[str] = []
    for word, topic in _topic_words():
        ascii_word = word.isascii()
        pattern = rf"(?<![\w-]){re.escape(word)}(?![\w-])" if ascii_word else re.escape(word)
        if re.search(pattern, text) and topic not in found:
            found.append(topic)
            text = re.sub(pattern, " ", text)
    return found


# ------------------------------------------------------------------------------------------------ families


def _time(text: str) -> list[str]:
    match = _EN_TIME.search(text)
    if match:
        at = parse_time((match.group(1) or match.group(2)).replace(" ", ""))
        return [f"time {at:%H:%M}"] if at else []
    match = _JA_TIME.search(text)
    if match is None:
        return []
    period, hour, minute_part = match.group(1), int(match.group(2)), match.group(3) or ""
    minute = 30 if minute_part == "半" else int(minute_part.rstrip("分").strip() or 0)
    if period in ("夜", "夕方", "午後") and hour < 12:
        hour += 12
    if period == "午前" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return []
    return [f"time {hour:02d}:{minute:02d}"]


def _days(text: str) -> list[str]:
    if _WEEKDAYS.search(text):
        return ["days mon-fri"]
    if _DAILY.search(text):
        return ["days daily"]
    return []


def _negated(text: str) -> tuple[list[str], list[str]]:
    """``(topics to remove, sources to mute)`` named after a negation."""
    removed: list[str] = []
    muted: list[str] = []
    targets = [m.group(1) for m in _NEGATION_EN.finditer(text)] + [m.group(1) for m in _NEGATION_JA.finditer(text)]
    for target in targets:
        target = re.sub(r"\s+(?:stories|articles|please|anymore|any\s+more|today)$", "", target).strip(" 、。")
        if not target or re.fullmatch(r"(?:stories|news|items|articles)", target):
            continue
        topics = _topics_in(target)
        if topics:
            removed.extend(t for t in topics if t not in removed)
        elif len(target) <= 80 and not _COUNT.search(target):
            muted.append(target)
    return removed, muted


def _length(text: str, minutes_now: int) -> list[str]:
    """A count caps the stories; "fewer"/"more" move the reading time, which is what fills a digest."""
    commands: list[str] = []
    count = _COUNT.search(text)
    if count:
        number = int(count.group(1) or count.group(2))
        if 1 <= number <= MAX_ITEMS:
            commands.append(f"items {number}")
    elif _FEWER.search(text):
        commands.append(f"minutes {max(1, minutes_now - _MINUTES_STEP)}")
    elif _MORE.search(text):
        commands.append(f"minutes {min(MAX_MINUTES, minutes_now + _MINUTES_STEP)}")
    minutes = _MINUTES.search(text)
    if minutes:
        commands.append(f"minutes {int(minutes.group(1) or minutes.group(2))}")
    return commands


def _pause(text: str) -> list[str]:
    match = _PAUSE.search(text)
    if match is None:
        return ["resume"] if _RESUME.search(text) else []
    if match.group(1):
        amount = _NUMBER_WORDS.get(match.group(1)) or int(match.group(1))
        days = amount * (7 if match.group(2).startswith("week") else 1)
    else:
        days = int(match.group(3)) * (7 if match.group(4) == "週間" else 1)
    return [f"pause {days}"]


def _language(text: str) -> list[str]:
    match = _LANGUAGE.search(text)
    if match is None:
        return []
    word = match.group(1) or match.group(2)
    return ["language ja" if word in ("japanese", "日本語") else "language en"]


def _zone(text: str) -> list[str]:
    for match in _ZONE.finditer(text):
        place = (match.group(1) or match.group(2) or "").strip()
        zone = parse_timezone(place) if place else None
        if zone is not None:
            return [f"timezone {zone}"]
    return []


_FAMILIES: tuple[Callable[[str], list[str]], ...] = (_zone, _time, _days, _pause, _language)


def _vote(phrase: str) -> str:
    """``like N`` / ``dislike N`` when the whole phrase is a vote on story N, else ""."""
    for verb, pattern in (("like", _LIKE), ("dislike", _DISLIKE)):
        match = pattern.fullmatch(phrase)
        if match:
            return f"{verb} {next(group for group in match.groups() if group)}"
    return ""


def _valid(command: str) -> bool:
    """Only what the strict language itself accepts leaves this module."""
    try:
        parse_command(command)
    except CommandError:
        return False
    return True


def understand(text: str, *, minutes: int = 5) -> Understanding | None:
    """The strict commands ``text`` means, or None when it means nothing we know.

    ``minutes`` is the reader's current reading time, for "fewer stories" / "more stories".
    """
    phrase = _normalise(text)
    if not phrase:
        return None
    vote = _vote(phrase)
    if vote and _valid(vote):
        return Understanding((vote,), echo=False)
    removed, muted = _negated(phrase)
    commands: list[str] = [f"topics remove {topic}" for topic in removed]
    commands += [f"sources mute {name}" for name in muted]
    negated_topics = set(removed)
    stripped = _NEGATION_EN.sub(" ", phrase)
    stripped = _NEGATION_JA.sub(" ", stripped)
    added = [topic for topic in _topics_in(stripped) if topic not in negated_topics]
    if added:
        commands.append("topics add " + ", ".join(added))
    for family in _FAMILIES:
        commands += family(phrase)
    commands += _length(phrase, minutes)
    commands = [command for command in dict.fromkeys(commands) if _valid(command)]
    if not commands:
        return None
    if _SUBSCRIBE.search(phrase):
        commands.insert(0, "subscribe")
    return Understanding(tuple(commands))
