"""The LLM summarizer: any OpenAI-compatible chat-completions endpoint, strict JSON, checked, with a fallback.

Why this shape: a model is better at the gist and at translating, but it can be slow, rate-limited, broken,
over budget, or simply wrong. Every one of those ends in a card the reader can trust: the checked LLM card
or the offline card. Storage stays outside ``summaries/`` behind two small ports the bot implements on Redis:

* ``CardCache`` — one card per article and language. A card is stored once tokens were spent on the article
  (an LLM card that passed, or the offline card that replaced a rejected answer), so an article is never sent
  to the model twice. Failures that spent nothing (timeouts, 429, 5xx, budget spent) are not stored, so a
  later build may try again.
* ``TokenBudget`` — a daily token allowance. A call first reserves its estimated tokens; when the reservation
  would pass the budget, no call is made (offline card). After the call the reservation is settled with the
  ``usage.total_tokens`` the endpoint reported.

Errors (raised inside, never out of ``summarize``)::

    LLMError
    ├── LLMUnavailable      network error, timeout or 5xx after the retries
    ├── LLMRateLimited      429 whose Retry-After is longer than we wait (``retry_after`` seconds)
    ├── LLMRejected         another 4xx: bad key, unknown model (permanent; logged loudly)
    └── LLMBadAnswer        not strict JSON, missing fields, a preamble, or a card for another article

Retries are decided in ``ChatClient._post`` only, by type: timeouts, connection errors and 5xx back off exponentially;
429 waits ``retry-after-ms``/``Retry-After`` when that is at most ``max_retry_wait``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from summaries.faithfulness import check_card
from summaries.models import Article, Card
from summaries.summarize import GIST_MAX, OfflineSummarizer
from summaries.trim import MAX_POINT_CHARS, trim_sentence

__all__ = [
    "CardCache",
    "ChatClient",
    "LLMBadAnswer",
    "LLMConfig",
    "LLMError",
    "LLMRateLimited",
    "LLMRejected",
    "LLMSummarizer",
    "LLMUnavailable",
    "TokenBudget",
    "article_ref",
    "parse_answer",
]

log = logging.getLogger(__name__)

_LANGUAGE_NAMES = {"en": "English", "ja": "Japanese"}
_FIELDS = ("gist", "what_happened", "why_it_matters", "what_to_watch")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


class LLMError(Exception):
    """The model did not give a usable card."""


class LLMUnavailable(LLMError):
    """Network error, timeout or server error after the retries."""


class LLMRateLimited(LLMError):
    """429 with a wait longer than we are willing to sleep."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMRejected(LLMError):
    """A permanent 4xx: wrong key, unknown model, malformed request."""


class LLMBadAnswer(LLMError):
    """The answer is not the strict JSON card we asked for."""


class CardCache(Protocol):
    """One card per (article fingerprint, language).

    ``get`` returns the stored card or None. ``put`` stores a card only if none is stored (idempotent: a
    second put for the same key keeps the first card) and returns whether it stored it.
    """

    async def get(self, fingerprint: str, language: str) -> Card | None: ...

    async def put(self, fingerprint: str, language: str, card: Card) -> bool: ...


class TokenBudget(Protocol):
    """Today's token allowance, shared by every process.

    ``reserve(n)`` atomically takes ``n`` tokens and returns True, or returns False (taking nothing) when that
    would pass the budget. ``settle(reserved, used)`` replaces a reservation by the tokens really used.
    """

    async def reserve(self, tokens: int) -> bool: ...

    async def settle(self, reserved: int, used: int) -> None: ...


@dataclass(frozen=True)
class LLMConfig:
    """How to reach the endpoint and how patient to be. ``base_url`` ends before ``/chat/completions``."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 30.0
    retries: int = 2
    backoff: float = 0.5
    max_retry_wait: float = 10.0
    max_article_chars: int = 6000
    max_tokens: int = 700


def article_ref(article: Article) -> str:
    """The short id the model must echo, so an answer about another article is caught."""
    return hashlib.blake2b(article.fingerprint.encode(), digest_size=5).hexdigest()


_SYSTEM = (
    "You summarize one news article for a daily AI-news digest. Answer with one JSON object and nothing else: "
    '{"article_id": "<the id you were given>", "gist": "<one sentence, at most 200 characters>", '
    '"what_happened": "<the event>", "why_it_matters": "<impact, numbers, comparison>", '
    '"what_to_watch": "<what comes next: dates, availability, open questions>"}. '
    "Each key point is one to three short sentences, at most 200 characters, and concrete: the names, numbers "
    "and dates the article gives. If the article says nothing about what comes next or why it matters, say so "
    "in that field. Use only facts, names, numbers and quotes that are in the article; never add any. "
    "No reasoning, no preamble, no markdown, no HTML. Write in {language}."
)


def _messages(article: Article, language: str, max_chars: int) -> list[dict[str, str]]:
    payload = {
        "article_id": article_ref(article),
        "title": article.title,
        "source": article.source_name,
        "text": article.text[:max_chars],
    }
    system = _SYSTEM.replace("{language}", _LANGUAGE_NAMES.get(language, language))
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": json.dumps(payload, ensure_ascii=False)},
    ]


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, from OpenAI's ``retry-after-ms`` or the standard ``Retry-After`` (seconds or a date)."""
    ms = response.headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        date_header = response.headers.get("date")
        now = parsedate_to_datetime(date_header) if date_header else None
        return max(0.0, (when - now).total_seconds()) if now else None


def parse_answer(content: str, article: Article, language: str, summarizer: str) -> Card:
    """The card in a model's answer, or ``LLMBadAnswer``. Strict: one JSON object, the four fields, our id."""
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    if not text.startswith("{"):
        raise LLMBadAnswer(f"answer does not start with a JSON object: {text[:40]!r}")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LLMBadAnswer(f"answer is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise LLMBadAnswer("answer is not a JSON object")
    if str(data.get("article_id", "")) != article_ref(article):
        raise LLMBadAnswer("answer is about another article")
    values: dict[str, str] = {}
    for name in _FIELDS:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise LLMBadAnswer(f"answer lacks {name}")
        values[name] = " ".join(value.split())
    limit = {"gist": GIST_MAX}
    return Card(
        gist=_fit(values["gist"], limit.get("gist", MAX_POINT_CHARS)),
        what_happened=_fit(values["what_happened"], MAX_POINT_CHARS),
        why_it_matters=_fit(values["why_it_matters"], MAX_POINT_CHARS),
        what_to_watch=_fit(values["what_to_watch"], MAX_POINT_CHARS),
        language=language,
        summarizer=summarizer,
    )


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else trim_sentence(text, limit)


class ChatClient:
    """One OpenAI-compatible ``chat/completions`` endpoint, asked for a JSON object, with the retry policy above.

    Shared by the summarizer and the bot's intent reader (``bot.conversation.intent``), so both meet a slow,
    rate-limited or broken endpoint with the same rules. ``complete`` returns ``(content, total tokens used)``
    and raises only ``LLMError``. Use as an async context manager, or call ``aclose``; a client passed in is
    not closed here.
    """

    def __init__(self, config: LLMConfig, *, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._own_client = client is None
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._client = client or httpx.AsyncClient(
            base_url=config.base_url.rstrip("/") + "/", headers=headers, timeout=config.timeout
        )

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def complete(self, messages: list[dict[str, str]], *, max_tokens: int) -> tuple[str, int]:
        body = {
            "model": self._config.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": max_tokens,
            "response_format": {"type": "json_object"},
        }
        data = await self._post(body)
        try:
            content = str(data["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError):
            raise LLMBadAnswer("response has no choices[0].message.content") from None
        usage = data.get("usage") or {}
        used = int(usage.get("total_tokens") or 0) if isinstance(usage, dict) else 0
        return content, used

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST chat/completions with the retry policy of the module docstring."""
        attempts = self._config.retries + 1
        last: LLMError = LLMUnavailable("no attempt made")
        for attempt in range(attempts):
            wait = self._config.backoff * (2**attempt)
            try:
                response = await self._client.post("chat/completions", json=body)
            except httpx.TimeoutException as exc:
                last = LLMUnavailable(f"timed out: {exc.__class__.__name__}")
            except httpx.TransportError as exc:
                last = LLMUnavailable(f"network error: {exc.__class__.__name__}")
            else:
                if response.status_code == 200:
                    try:
                        data: Any = response.json()
                    except ValueError:
                        raise LLMBadAnswer("response body is not JSON") from None
                    if not isinstance(data, dict):
                        raise LLMBadAnswer("response body is not a JSON object")
                    return data
                message = _error_message(response)
                if response.status_code == 429:
                    after = _retry_after(response)
                    if after is None or after > self._config.max_retry_wait:
                        raise LLMRateLimited(f"429: {message}", after)
                    last, wait = LLMRateLimited(f"429: {message}", after), after
                elif response.status_code >= 500:
                    last = LLMUnavailable(f"{response.status_code}: {message}")
                else:
                    raise LLMRejected(f"{response.status_code}: {message}")
            if attempt + 1 < attempts:
                await asyncio.sleep(wait)
        raise last


class LLMSummarizer:
    """Cards from an OpenAI-compatible endpoint, cached, budgeted, checked; offline card on any failure.

    Use as an async context manager, or call ``aclose``; a client passed in is not closed here.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        cache: CardCache | None = None,
        budget: TokenBudget | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._config = config
        self._cache = cache
        self._budget = budget
        self._chat = ChatClient(config, client=client)
        self._offline = OfflineSummarizer()

    @property
    def name(self) -> str:
        return f"llm:{self._config.model}"

    async def __aenter__(self) -> LLMSummarizer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._chat.aclose()

    async def summarize(self, article: Article, language: str) -> Card:
        if self._cache is not None:
            cached = await self._cache.get(article.fingerprint, language)
            if cached is not None:
                return cached
        card, spent = await self._fresh(article, language)
        if spent and self._cache is not None:
            await self._cache.put(article.fingerprint, language, card)
            stored = await self._cache.get(article.fingerprint, language)
            return stored or card  # another process may have stored first: everyone shows the same card
        return card

    async def _fresh(self, article: Article, language: str) -> tuple[Card, bool]:
        """(card, whether tokens were spent on it)."""
        messages = _messages(article, language, self._config.max_article_chars)
        estimate = sum(len(m["content"]) for m in messages) // 3 + self._config.max_tokens
        if self._budget is not None and not await self._budget.reserve(estimate):
            log.info("LLM token budget spent; offline card for %s", article.url)
            return self._offline.card(article), False
        used = 0
        try:
            content, used = await self._chat.complete(messages, max_tokens=self._config.max_tokens)
            card = parse_answer(content, article, language, self.name)
        except LLMBadAnswer as exc:
            log.info("LLM answer for %s rejected: %s", article.url, exc)
            return self._offline.card(article), True
        except LLMRejected as exc:
            log.error("LLM endpoint refused the request (check AITODAY_LLM_*): %s", exc)
            return self._offline.card(article), False
        except LLMError as exc:
            log.warning("LLM unavailable for %s: %s", article.url, exc)
            return self._offline.card(article), False
        finally:
            if self._budget is not None:
                await self._budget.settle(estimate, used)
        problems = check_card(card, article)
        if problems:
            log.info("LLM card for %s failed the check: %s", article.url, "; ".join(problems[:3]))
            return self._offline.card(article), True
        return card, True


def _error_message(response: httpx.Response) -> str:
    try:
        data = response.json()
        return str(data["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return response.text[:200]
