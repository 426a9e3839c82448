"""The faithfulness check every card passes before it is used: a card never says what the article does not.

Why these rules: an LLM's typical failures on news are invented numbers, invented or swapped names, made-up
quotes, "thinking out loud" before the answer, and answering about a different article. Each has a cheap,
deterministic test against the article text:

* **numbers** — every number in the gist or a key point ("3.5", "40%", "$2 billion" → 2) appears among the
  article's numbers (thousands separators ignored; years included);
* **named entities** — every capitalised name that is not a sentence's first word ("OpenAI", "Gemini 2.5",
  "Sam Altman"), every Latin-script word inside Japanese text, and every katakana run of 3+ characters in a
  Japanese card of a Japanese article, appears in the article (case-insensitive, possessive "'s" dropped);
* **quoted phrases** — text in "…", “…” or 「…」 appears verbatim in the article (whitespace and quote style
  normalised). Skipped when the card is in another language than the article: a translated quote cannot match;
* **no preamble** — no "Let me think", "Sure, here is", "<think>", "As an AI" … at the start of any field,
  unless the article itself starts a sentence that way ("Thinking with images" is a real OpenAI title);
* **right article** — a card in the article's language must share content words with it (at least
  ``_MIN_OVERLAP`` of its own); a cross-language card must name at least one of the article's entities or
  numbers when it names any at all.

"The article" is its title, source name, author, standfirst and text: a card may say who published it.
``check_card`` returns the list of problems (empty = passes) so callers can log why a card was rejected.
"""

from __future__ import annotations

import re
import unicodedata

from summaries.models import Article, Card
from summaries.summarize import NO_DETAIL, NO_MATTERS, NO_WATCH, content_words

__all__ = ["FaithfulnessError", "check_card", "is_faithful", "named_entities"]

_MIN_OVERLAP = 0.5

_NUMBER = re.compile(r"(?<![A-Za-z0-9.])\d+(?:[.,]\d+)*")
_JA_MONTH = re.compile(r"(?<![0-9])(1[0-2]|[1-9])月")
_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_QUOTED = re.compile(r"\"([^\"]{3,})\"|“([^”]{3,})”|「([^」]{2,})」|『([^』]{2,})』")
_CAPITALISED = re.compile(r"\b[A-Z][\w&.-]*[\w&](?:\s+(?:[A-Z][\w&.-]*|\d[\w.]*))*")
_LATIN_IN_JA = re.compile(r"[A-Za-z][A-Za-z0-9&.+-]*[A-Za-z0-9+]")
_KATAKANA = re.compile(r"[\u30a0-\u30ff]{3,}")
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_PREAMBLE = re.compile(
    r"^\s*(?:<\s*think|<\s*reasoning|let\s+me|let's|okay[,.]|ok[,.]|sure[,!.]|certainly|of course|"
    r"here\s+is|here's|here are|as an ai|i\s+(?:think|will|would|need|can|'ll|'m)|we\s+need|first,?\s+i|"
    r"thinking|reasoning|analysis:|step\s+\d|the user|summary:|json|```|まず|では|承知|以下|要約します)",
    re.IGNORECASE,
)
# Capitalised words that begin many sentences or are common words rather than names.
_COMMON = frozenset(
    """
    The A An This That These Those It Its In On At For With By From To Of And But Or As If When While After
    Before Why What Who How Where Which There Here New Now More Most Some Many Also However Today Yesterday
    Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
    July August September October November December We Our You Your He She They Their His Her I My AI
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)


class FaithfulnessError(ValueError):
    """A card failed the check; ``problems`` says why (one line each)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).casefold()


def _numbers(text: str) -> set[str]:
    out: set[str] = set()
    for raw in _NUMBER.findall(unicodedata.normalize("NFKC", text)):
        value = raw.replace(",", "")
        out.add(value.rstrip("0").rstrip(".") if "." in value else value)
    return out


def _entities(text: str, language: str) -> set[str]:
    """Names a reader would take as facts: capitalised non-initial words, Latin words in Japanese text."""
    text = unicodedata.normalize("NFKC", text)
    found: set[str] = set()
    if _JA.search(text):
        found.update(m.group(0) for m in _LATIN_IN_JA.finditer(text) if len(m.group(0)) > 1)
        return found
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for match in _CAPITALISED.finditer(sentence):
            phrase = match.group(0)
            words = phrase.split()
            if match.start() == 0 or sentence[: match.start()].strip() in {'"', "'", "(", "“"}:
                words = words[1:]  # the sentence's first word is capitalised anyway
            for word in words:
                word = re.sub(r"'s$", "", word).strip(".-")
                if word and word not in _COMMON and not word.isdigit() and len(word) > 1:
                    found.add(word)
    return found


def named_entities(text: str, language: str) -> set[str]:
    """The names ``text`` mentions, as the faithfulness check sees them (also used to relate stories)."""
    return _entities(text, language)


def _quotes(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]


def _overlap_units(text: str) -> set[str]:
    """Content words, plus character bigrams of kana/kanji runs (Japanese has no spaces)."""
    runs = re.findall(r"[\u3040-\u30ff\u3400-\u9fff]+", text)
    bigrams = {run[i : i + 2] for run in runs for i in range(max(1, len(run) - 1))}
    return set(content_words(text)) | bigrams


def check_card(card: Card, article: Article) -> list[str]:
    """Problems of ``card`` against ``article`` (empty list = faithful). Pure; never raises."""
    source = f"{article.title}\n{article.source_name}\n{article.author}\n{article.standfirst}\n{article.text}"
    source_norm = _norm(source)
    source_numbers = _numbers(source)
    same_language = card.language == article.language
    problems: list[str] = []
    fields = (
        ("gist", card.gist),
        ("what_happened", card.what_happened),
        ("why_it_matters", card.why_it_matters),
        ("what_to_watch", card.what_to_watch),
    )
    card_entities: set[str] = set()
    card_numbers: set[str] = set()
    for name, value in fields:
        if not value.strip():
            problems.append(f"{name} is empty")
            continue
        if _PREAMBLE.match(value) and _norm(value)[:40].rstrip(".!?。") not in source_norm:
            problems.append(f"{name} starts with a preamble: {value[:40]!r}")
        if "<" in value and re.search(r"<[a-zA-Z/!][^>]*>", value):
            problems.append(f"{name} contains HTML")
        missing = _numbers(value) - source_numbers
        if not same_language:  # "4月" translates "April"
            missing -= {m for m in _JA_MONTH.findall(value) if _MONTHS[int(m) - 1] in source_norm}
        for number in sorted(missing):
            problems.append(f"{name} has a number not in the article: {number}")
        card_numbers |= _numbers(value)
        for entity in sorted(_entities(value, card.language)):
            card_entities.add(entity)
            if _norm(entity) not in source_norm:
                problems.append(f"{name} names something not in the article: {entity}")
        if same_language:
            for quote in _quotes(value):
                if _norm(quote) not in source_norm:
                    problems.append(f"{name} quotes words not in the article: {quote[:40]!r}")
    if same_language:
        fillers = {*NO_DETAIL.values(), *NO_MATTERS.values(), *NO_WATCH.values()}
        words = _overlap_units(" ".join(v for _, v in fields if v not in fillers))
        source_words = _overlap_units(source)
        if words and len(words & source_words) / len(words) < _MIN_OVERLAP:
            problems.append("the card does not match the article's words (wrong article?)")
    elif (card_entities or card_numbers) and not (
        any(_norm(e) in source_norm for e in card_entities) or (card_numbers & source_numbers)
    ):
        problems.append("the card names nothing of the article (wrong article?)")
    return problems


def is_faithful(card: Card, article: Article) -> bool:
    return not check_card(card, article)
