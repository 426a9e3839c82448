"""The fixed topic taxonomy. These names are what readers type in ``topics add``.

Assignment rules (keyword matching on title and text) live beside the names; the command language only needs
``TOPICS`` and ``resolve_topic`` to accept what a reader types, in English or Japanese.
"""

from __future__ import annotations

__all__ = ["TOPICS", "TOPIC_ALIASES", "resolve_topic"]

#: The taxonomy, in display order.
TOPICS: tuple[str, ...] = (
    "llm",
    "research",
    "open-source",
    "agents",
    "vision",
    "audio",
    "robotics",
    "chips",
    "policy",
    "safety",
    "business",
    "japan",
)

#: Other spellings readers use, mapped to a taxonomy name (keys are case-folded).
TOPIC_ALIASES: dict[str, str] = {
    "llms": "llm",
    "language models": "llm",
    "language-models": "llm",
    "papers": "research",
    "opensource": "open-source",
    "open source": "open-source",
    "oss": "open-source",
    "agent": "agents",
    "computer vision": "vision",
    "cv": "vision",
    "image": "vision",
    "speech": "audio",
    "voice": "audio",
    "robot": "robotics",
    "robots": "robotics",
    "hardware": "chips",
    "gpu": "chips",
    "gpus": "chips",
    "semiconductors": "chips",
    "regulation": "policy",
    "law": "policy",
    "alignment": "safety",
    "industry": "business",
    "funding": "business",
    "日本": "japan",
    "大規模言語モデル": "llm",
    "言語モデル": "llm",
    "研究": "research",
    "論文": "research",
    "オープンソース": "open-source",
    "エージェント": "agents",
    "画像": "vision",
    "音声": "audio",
    "ロボット": "robotics",
    "ロボティクス": "robotics",
    "半導体": "chips",
    "チップ": "chips",
    "政策": "policy",
    "規制": "policy",
    "安全性": "safety",
    "ビジネス": "business",
}


def resolve_topic(text: str) -> str | None:
    """The taxonomy name for what a reader typed, or None when it is not a topic we know."""
    key = " ".join(text.casefold().split())
    if key in TOPICS:
        return key
    return TOPIC_ALIASES.get(key) or TOPIC_ALIASES.get(key.replace("-", " "))
