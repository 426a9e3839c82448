"""Cleaning of untrusted feed text: canonical URLs, plain titles, sanitized HTML, plain text, reading time.

Everything a feed says is untrusted. Titles become plain text (entities unescaped, twice for the feeds that
double-escape, tags and ``<!…>`` markup stripped, length bounded); HTML goes through nh3 (a maintained
Rust sanitizer: no script, no event handlers, no ``javascript:`` URLs) before any page or mail sees it;
URLs are canonicalised so that the same article reached through tracking links, AMP or mobile variants
dedupes to one.
"""

from __future__ import annotations

import html
import math
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import nh3

__all__ = [
    "canonical_url",
    "clean_title",
    "count_words",
    "detect_script_language",
    "html_to_text",
    "reading_minutes",
    "sanitize_html",
]

MAX_TITLE = 300
_MAX_TITLE_INPUT = 4_000
_MAX_HTML_INPUT = 1_000_000

# Query parameters that only track the reader. Matched case-insensitively; ``utm_`` and friends as prefixes.
_TRACKING_PREFIXES = ("utm_", "wt_", "wt.", "mc_", "_hs", "pk_", "piwik_", "hmb_", "at_", "ga_", "itm_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "mkt_tok",
        "ocid", "cmpid", "ncid", "s_cid", "sr_share", "spm", "ref_src", "ref_url", "rss", "cmp", "smid",
        "feature", "amp", "outputtype", "guccounter", "guce_referrer", "guce_referrer_sig",
        "__twitter_impression",
    }
)  # fmt: skip
_AMP_CACHE = re.compile(r"^[a-z0-9-]+\.cdn\.ampproject\.org$")
_MOBILE_HOST = re.compile(r"^(?:m|mobile|amp)\.(?=[^.]+\.[^.]+)")
_AMP_PATH = re.compile(r"(?:/amp/?$|/amp(?=/)|\.amp(?=\.html?$))", re.IGNORECASE)

_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]*|![^<>]*|\?[^<>]*)>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2028\u2029\ufeff]")
_SPACE = re.compile(r"\s+")
_BLOCK = re.compile(
    r"<(?:/?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|pre|section|article|figure|figcaption|hr)"
    r"\b)[^>]*>",
    re.IGNORECASE,
)
_HREF = re.compile(r'\b(href|src)="([^"]*)"')

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_WORD = re.compile(r"[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af]+")

#: Reading speeds: words per minute for space-separated scripts, characters per minute for CJK.
WORDS_PER_MINUTE = 230
CJK_CHARS_PER_MINUTE = 500

_CLEANER = nh3.Cleaner(
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
    clean_content_tags={"script", "style", "noscript", "template", "iframe", "object", "svg", "math"},
)


@lru_cache(maxsize=65_536)  # a pure function; feeds repeat the same links run after run
def canonical_url(url: str, base: str | None = None) -> str:
    """The form of ``url`` used for links and dedupe: absolute, no fragment, tracking, AMP or mobile variant.

    Returns "" for anything that is not an http(s) URL (``javascript:``, ``data:``, garbage).
    """
    url = _CONTROL.sub("", url or "").strip()
    if not url:
        return ""
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return ""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower().rstrip(".")
    path = parts.path or "/"
    if _AMP_CACHE.match(host):
        # https://example-com.cdn.ampproject.org/c/s/example.com/path -> https://example.com/path
        bits = path.split("/")
        if len(bits) > 3 and bits[1] == "c":
            secure = bits[2] == "s"
            rest = bits[3:] if secure else bits[2:]
            return canonical_url(("https://" if secure else "http://") + "/".join(rest), None)
    host = _MOBILE_HOST.sub("", host)
    path = _AMP_PATH.sub("", path) or "/"
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (k.lower() in _TRACKING_NAMES or k.lower().startswith(_TRACKING_PREFIXES))
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def clean_title(raw: str) -> str:
    """Plain one-line title: entities unescaped (twice if double-escaped), tags removed, at most 300 chars."""
    text = (raw or "")[:_MAX_TITLE_INPUT]
    for _ in range(3):
        before = text
        text = _TAG.sub("", html.unescape(text)) if ("&" in text or "<" in text) else text
        if text == before or not (_ENTITY.search(text) or "<" in text):
            break
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if len(text) > MAX_TITLE:
        text = text[: MAX_TITLE - 1].rstrip() + "…"
    return text


def sanitize_html(fragment: str, base_url: str | None = None) -> str:
    """nh3-sanitized HTML with relative ``href``/``src`` made absolute against ``base_url``."""
    if not fragment:
        return ""
    cleaned = _CLEANER.clean(fragment[:_MAX_HTML_INPUT])
    if base_url and ('href="' in cleaned or 'src="' in cleaned):

        def _absolute(match: re.Match[str]) -> str:
            value = html.unescape(match.group(2))
            if value.startswith(("http://", "https://", "mailto:", "#")):
                return match.group(0)
            try:
                joined = urljoin(base_url, value)
            except ValueError:
                return f'{match.group(1)}=""'
            if not joined.startswith(("http://", "https://")):
                return f'{match.group(1)}=""'
            return f'{match.group(1)}="{html.escape(joined, quote=True)}"'

        cleaned = _HREF.sub(_absolute, cleaned)
    return cleaned


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment. Run it on sanitized HTML (script and style bodies already gone)."""
    if not fragment:
        return ""
    text = _BLOCK.sub("\n", fragment)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _CONTROL.sub("", text)
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def count_words(text: str) -> tuple[int, int]:
    """(words, cjk_characters): space-separated words outside CJK, and CJK characters counted one by one."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(text))
    return words, cjk


def reading_minutes(text: str) -> int:
    """Minutes to read ``text``: 230 words/min, 500 characters/min for Japanese, Chinese and Korean."""
    words, cjk = count_words(text)
    return max(1, math.ceil(words / WORDS_PER_MINUTE + cjk / CJK_CHARS_PER_MINUTE))


def detect_script_language(text: str) -> str | None:
    """"ja" when kana appear, "ko" for Hangul, "zh" for Han without kana; None for everything else."""
    sample = text[:2000]
    if _KANA.search(sample):
        return "ja"
    if len(_HANGUL.findall(sample)) >= 5:
        return "ko"
    if len(_CJK.findall(sample)) >= 10:
        return "zh"
    return None
