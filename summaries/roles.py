"""Which role a sentence can play on a card: *what to watch*, *why it matters*, or neither.

Why rules and not a word list: "whether" and "until" are not the future ("until 2019" is history), and a
background sentence filed under *What to watch* misleads. A sentence looks ahead when it says what comes
next: a plan or intention ("plans to", "we will", "is set to", "expects"), a date or period ahead ("next
month", "by spring", "in the first quarter of 2027", "later this year"), a deadline or a pending decision
("the consultation closes", "has yet to decide", "remains to be seen"). It matters when it states a
consequence or significance ("means", "could", "allows", "for the first time", "the largest", "because",
comparisons with numbers). Some cues ("lets", "helps", "%", "costs", "faster than") also describe the event
itself ("a method that lets models read…"), so they count only in a sentence that does not announce or
describe the news ("released", "today", "describes"); a headline or a teaser cut short (no closing full stop)
never says why it matters. A sentence that does both looks ahead: the future is the rarer, more useful role.

``role_of`` is measured by ``bench/summary_quality.py`` (``role_accuracy``) on a labelled set: the
sentences written for the project (``bench/data/roles_project.jsonl``) and, when ``../shared/feeds`` is
present, labelled sentences of real feeds (``bench/data/roles_feeds.tsv``, by hash; the text stays outside
the repository). The rules were written on the "dev" half of it; the bench reports the held-out half.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["WATCH_CUE", "Role", "role_of"]

Role = Literal["watch", "matters", "other"]

_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_SEASON = r"(?:spring|summer|autumn|fall|winter)"
_CONSEQUENCE_VERB = (
    r"(?:inform|help|create|enable|allow|make|mean|let|cut|lower|reduce|boost|fuel|empower|benefit|affect|"
    r"improve|give|save|change|transform|unlock|be\s+presumed)"
)
_WATCH = re.compile(
    r"\b(?:will|won't|'ll|shall)\s+(?!not\s+have\b|" + _CONSEQUENCE_VERB + r"\b)\w+"
    r"|\b(?:said|says|say)\s+(?:he|she|it|they|we)\s+would\b"
    r"|\b(?:is|are|was|were)\s+(?:set|due|expected|scheduled|slated|poised|likely|unlikely|going|planning|"
    r"preparing|about|to\s+be)\s+to\b|\bare\s+to\s+be\b|\bis\s+to\s+be\b"
    r"|\b(?:is|are)\s+(?:due|planned|expected|scheduled)\s+(?:in|on|by|for|later|next|before)\b"
    r"|\b(?:planned|scheduled|slated)\s+for\b"
    r"|\b(?:plans?|planned|planning|intends?|intend(?:ed|ing)|aims?|aiming|hopes?|hoping|expects?|expecting|"
    r"promises?|pledged?|vows?|vowed|is\s+working)\s+to\b|\bexpect\s+(?:a|an|the|it|them)\b"
    r"|\bnext\s+(?:week|month|year|quarter|spring|summer|autumn|fall|winter|step|phase|generation|round|version)\b"
    r"|\blater\s+(?:this|in\s+the|in\s+20\d\d)\b|\bin\s+the\s+new\s+year\b"
    r"|\b(?:in|over)\s+the\s+(?:coming|next)\s+\w+"
    r"|\bupcoming\b|\bcoming\s+(?:soon|weeks|months|year)\b|\bsoon\b|\bquestion\s+to\s+watch\b"
    r"|\bby\s+(?:the\s+end\s+of\s+|mid-|late\s+|early\s+)?(?:"
    + _SEASON
    + r"|"
    + _MONTH
    + r"|20\d\d|next|this\s+(?:year|summer|fall))\b"
    r"|\b(?:first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:quarter|half)\s+of\s+20\d\d"
    r"|\b(?:opens?|closes?|starts?|begins?|ends?|expires?|arrives?|is\s+open|are\s+open)\s+(?:in|on|until|from)\s+"
    r"(?:" + _MONTH + r"|" + _SEASON + r"|the\s+(?:spring|summer|autumn|fall|winter|new\s+year))\b"
    r"|\b(?:deadline|will\s+close|takes\s+effect|comes\s+into\s+force)\b"
    r"|\b(?:has|have)\s+(?:yet|not\s+yet)\s+to\b|\byet\s+to\s+(?:be\s+)?(?:decide|decided|announce|announced|"
    r"confirm|confirmed|set|approved)\b|\bremains?\s+to\s+be\s+seen\b|\b(?:is|are)\s+(?:considering|weighing|"
    r"reviewing|evaluating)\b|\bopen\s+question\b|\bpending\b"
    r"|\bwill\s+be\s+available\b|\broll(?:s|ing)?\s+out\s+(?:to|in|over|next|later)\b",
    re.IGNORECASE,
)
_WATCH_JA = re.compile(
    r"予定|今後|見込み|見通し|年内|来年|来月|来週|以降|検討|目指|計画|方針|開始する|始める|する見通し|締め切|期限|施行される"
)
#: Cues that state a consequence or significance on their own.
_MATTERS = re.compile(
    r"\b(?:means?|meaning|could|can\s+now|make[s]?\s+(?:it|\w+\s+)?"
    r"(?:viable|possible|practical|easier|harder|cheaper|valuable)|making\s+it|"
    r"first\s+time|(?:one\s+of\s+)?the\s+first|because|so\s+that|significant(?:ly)?|important|crucial|critical|"
    r"signals?|marks?|underscores?|suggests?|matters?|precedent|milestone|breakthrough|landmark|ahead\s+of|"
    r"basis\s+of|often\s+become|results?\s+in|potential\s+(?:for|to))\b|\bwill\s+(?!let\b)" + _CONSEQUENCE_VERB,
    re.IGNORECASE,
)
#: Cues that often state a benefit but also describe the news itself ("a method that lets models read…"):
#: they count only in a sentence that does not announce or describe the event.
_MATTERS_WEAK = re.compile(
    r"\b(?:would|allows?|allowing|enables?|enabling|lets|(?<!to\s)helps?|(?<!to\s)helping|"
    r"impact|affect(?:s|ed)?|risks?|cheaper|faster|costs?|outperform\w*|compared\s+(?:with|to)|within\s+\w+\s+points|"
    r"(?:more|less|lower|higher|better|worse|faster|cheaper|(?!rath)\w+er)\s+(?:\w+\s+){0,3}than|improv\w*|reduc\w*|"
    r"boost\w*|savings?|benefits|advantage|valuable|accessible|for\s+(?:developers|"
    r"users|customers|businesses|researchers|people))\b|%",
    re.IGNORECASE,
)
#: A sentence that announces or describes the event is *what happened*, whatever benefit it names.
_ANNOUNCES = re.compile(
    r"\b(?:announc\w*|releas(?:ed|es|ing)|launch(?:ed|es|ing)|unveil\w*|introduc\w*|describes?|presents?|"
    r"debut\w*|featuring|today|will\s+let|(?:make|made|making)\s+\S+\s+help)\b",
    re.IGNORECASE,
)
_MATTERS_JA = re.compile(
    r"可能|初め|初の|最大|向上|削減|影響|意味|重要|効果|倍|ことで|つながる|役立|課題|懸念|期待|ようになる|その結果|珍しい|上回"
)
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_COMPLETE = re.compile(r"(?<!\.\.)(?<!…)[.!?][\"'”’)]*\s*$")


#: What makes an English sentence look ahead (``summaries.summarize`` keeps the clause holding it when trimming).
WATCH_CUE = _WATCH


def role_of(sentence: str) -> Role:
    """The role ``sentence`` can play on a card (see the module docstring)."""
    if _JA.search(sentence):
        if _WATCH_JA.search(sentence):
            return "watch"
        return "matters" if _MATTERS_JA.search(sentence) else "other"
    if _WATCH.search(sentence):
        return "watch"
    if not _COMPLETE.search(sentence):
        return "other"  # a headline or a teaser cut short names the event; it does not weigh it
    if _MATTERS.search(sentence):
        return "matters"
    return "matters" if _MATTERS_WEAK.search(sentence) and not _ANNOUNCES.search(sentence) else "other"
