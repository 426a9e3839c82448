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

Why a small classifier on top of the rules: rules written on one part of the labelled set overfit it (dev
0.94, held-out 0.81). ``role_of`` is a multinomial logistic regression (``ROLE_WEIGHTS``, pure Python at run
time) whose features are the rules' answer (``rule_role``) and the cues themselves one by one (``_CUES``: "will"
plus a verb, "will" in a relative clause, plan verbs, dates ahead, first-person launch openings, consequence
words, comparisons, the Japanese cues…), so it learns which cue to trust how much, e.g. that "X will spend ¥100
billion" opening a news item is the event, not what comes next.

``role_of`` is measured by ``bench/summary_quality.py`` (``role_accuracy``) on a labelled set: the
sentences written for the project (``bench/data/roles_project.jsonl``) and, when ``../shared/feeds`` is
present, labelled sentences of real feeds (``bench/data/roles_feeds.tsv``, by hash; the text stays outside
the repository). The rules were written and the weights fitted (``bench/fit_role_classifier.py``) on the
"dev" part of it only; the bench reports the held-out part.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

__all__ = ["ROLES", "ROLE_WEIGHTS", "WATCH_CUE", "Role", "role_features", "role_of", "rule_role"]

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


def rule_role(sentence: str) -> Role:
    """The hand-written rules' role for ``sentence``: the first feature of ``role_of``'s classifier."""
    return _rule(lambda pattern: pattern.search(sentence) is not None)


def _rule(has: Callable[[re.Pattern[str]], bool]) -> Role:
    """The rules over ``has`` (does the sentence hold this pattern?), so ``role_features`` can answer from the
    cues it has already searched for instead of searching the sentence for the same patterns again."""
    if has(_JA):
        if has(_WATCH_JA):
            return "watch"
        return "matters" if has(_MATTERS_JA) else "other"
    if has(_WATCH):
        return "watch"
    if not has(_COMPLETE):
        return "other"  # a headline or a teaser cut short names the event; it does not weigh it
    if has(_MATTERS):
        return "matters"
    return "matters" if has(_MATTERS_WEAK) and not has(_ANNOUNCES) else "other"


_I = re.IGNORECASE
#: Cues the classifier weighs beside the rules' answer, in the order of ``ROLE_WEIGHTS``' columns after the
#: bias and the rules' two roles; then "fewer than 6 words" and "more than 35 words".
_CUES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?:will|'ll|shall)\s+(?!not\b)\w+", _I),
    re.compile(r"\b(?:that|which|who|AI|it|this)\s+will\b", _I),
    re.compile(r"\b(?:said|says|say)\s+(?:he|she|it|they|we)\s+would\b", _I),
    re.compile(
        r"\b(?:is|are|was|were)\s+(?:set|due|expected|scheduled|slated|poised|likely|going|planning|preparing|"
        r"about)\s+to\b",
        _I,
    ),
    re.compile(r"\b(?:plans?|planned|planning|intends?|aims?|hopes?|expects?|promises?|pledged?|vows?)\s+to\b", _I),
    re.compile(
        r"\bnext\s+(?:week|month|year|quarter|spring|summer|autumn|fall|winter|step|phase|generation|round|"
        r"version)\b|\blater\s+(?:this|in)\b|\bin\s+the\s+(?:coming|next|new\s+year)\b|\bupcoming\b|\bsoon\b"
        r"|\bnear\s+term\b",
        _I,
    ),
    re.compile(
        r"\bby\s+(?:the\s+end\s+of\s+)?(?:" + _SEASON + r"|" + _MONTH + r"|20\d\d|next)\b"
        r"|\b(?:first|second|third|fourth)\s+(?:quarter|half)\s+of\s+20\d\d",
        _I,
    ),
    re.compile(r"\b(?:opens?|closes?|starts?|begins?|ends?|is\s+open|are\s+(?:now\s+)?open)\b", _I),
    re.compile(
        r"\b(?:deadline|yet\s+to|remains?\s+to\s+be\s+seen|considering|weighing|reviewing|pending|"
        r"open\s+question|takes\s+effect|approval|decision)\b",
        _I,
    ),
    re.compile(r"\b(?:january|february|march|april|june|july|august|september|october|november|december)\b", _I),
    re.compile(r"\b(?:was|were|had|did|has\s+been|last\s+(?:year|week|month)|ago|since|until)\b|\b\w+ed\b", _I),
    _ANNOUNCES,
    re.compile(r"^(?:we|we’re|we're|we’ve|we've|we\s+are|introducing|announcing|learn\s+more|here)\b", _I),
    _MATTERS,
    _MATTERS_WEAK,
    _COMPLETE,
    re.compile(
        r"\b(?:so\s+(?:that|people|you|teams)|allowing|making|means|translates?\s+to|transform\w*|reduc\w+|"
        r"improv\w+|propel|step\s+towards|much-needed|risks?)\b",
        _I,
    ),
    re.compile(r"\b(?:more|less|higher|lower|better|faster|cheaper)\b[^.]{0,40}\bthan\b|\bmuch\s+more\b", _I),
    re.compile(r"%|\d"),
    re.compile(r"\?"),
    re.compile(r"^(?:Discover|Learn|Test|Book|Explore|Try|Join|Read|Watch|See|Get|Sign|End|Imagine)\b"),
    re.compile(r"\b(?:that|which|who)\s+will\b|\bwill\s+(?:pose|define|shape|empower|substantially|fuel)\b", _I),
    _JA,
    _WATCH_JA,
    _MATTERS_JA,
    re.compile(r"発表|公開|開始した|明らか|分かった"),
)
#: The labels, in the order of ``ROLE_WEIGHTS``' rows (a tie goes to the earlier one).
ROLES: tuple[Role, ...] = ("other", "matters", "watch")
#: Multinomial logistic regression weights, one row per role of ``ROLES``, over ``role_features``. Fitted by
#: ``bench/fit_role_classifier.py`` on the "dev" part of the labelled set only (L2 strength chosen by 5-fold
#: cross-validation within it); ``bench/summary_quality.py`` reports the held-out part.
# fmt: off
ROLE_WEIGHTS: tuple[tuple[float, ...], ...] = (
    (  # other
        1.428, -2.343, -1.6, 0.894, 0.571, -0.319, -0.484, -0.622, -1.356, -0.601, -0.824, 0.143, -1.128, 0.311,
        1.651, 2.421, -1.274, 0.833, 0.583, -0.445, -0.125, 0.148, 1.887, 1.931, 2.115, 0.751, -0.197, -0.981, 1.889,
        1.281, 0.715,
    ),
    (  # matters
        -0.114, -1.634, 3.011, 0.452, 2.027, -0.2, -0.212, -0.235, -0.542, -0.145, -0.452, -0.905, -0.798, 0.139,
        -1.03, -1.63, 0.064, -0.771, 0.253, 1.136, 0.791, -0.39, -1.682, -1.793, -1.966, -0.371, -0.225, 1.111,
        -0.965, -0.715, 0.184,
    ),
    (  # watch
        -1.314, 3.976, -1.411, -1.346, -2.599, 0.519, 0.696, 0.857, 1.898, 0.746, 1.276, 0.762, 1.926, -0.45, -0.621,
        -0.791, 1.21, -0.062, -0.836, -0.691, -0.666, 0.242, -0.205, -0.138, -0.149, -0.38, 0.422, -0.13, -0.924,
        -0.566, -0.899,
    ),
)
# fmt: on


#: Bias, the rules' two roles, the cues, the two lengths.
_N_FEATURES = 3 + len(_CUES) + 2


def role_features(sentence: str) -> tuple[float, ...]:
    """Bias, the rules' answer (watch, matters), each cue of ``_CUES`` present, very short, very long."""
    row = [0.0] * _N_FEATURES
    for i in _present(sentence):
        row[i] = 1.0
    return tuple(row)


def role_of(sentence: str) -> Role:
    """The role ``sentence`` can play on a card: the classifier's highest-scoring role (see the docstring)."""
    present = _present(sentence)
    # Every feature is 0 or 1, so a role's score is the sum of its weights of the features present, in order:
    # the same sum (to the bit) as weights times features, without the products.
    scores = [sum(map(weights.__getitem__, present)) for weights in ROLE_WEIGHTS]
    return ROLES[max(range(len(ROLES)), key=lambda i: (scores[i], -i))]


def _present(sentence: str) -> list[int]:
    """The indices of ``role_features`` that are 1.

    Each pattern is searched for once: the rules share seven of theirs with ``_CUES`` (the searches are most of
    the time a card takes, and ``role_of`` runs on every candidate sentence of every article).
    """
    found = [cue.search(sentence) is not None for cue in _CUES]
    by_cue = dict(zip(_CUES, found, strict=True))
    rule = _rule(lambda pattern: by_cue[pattern] if pattern in by_cue else pattern.search(sentence) is not None)
    words = len(sentence.split())
    flags = (True, rule == "watch", rule == "matters", *found, words < 6, words > 35)
    return [i for i, on in enumerate(flags) if on]
