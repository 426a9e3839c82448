"""The fixed topic taxonomy. These names are what readers type in ``topics add``.

The command language only needs ``TOPICS`` and ``resolve_topic`` to accept what a reader types, in English or
Japanese. ``assign_topics`` gives a story its topics by these documented rules (deterministic, no model):

* a topic applies when its pattern (``TOPIC_RULES``, whole words, case-insensitive, English and Japanese)
  matches the title, or matches the first ``_BODY_CHARS`` characters of the text at least twice: a passing
  mention deep in an article does not make it a robotics story;
* a source's category adds one: ``research`` sources → research, ``policy`` → policy, ``japan`` → japan;
* an article written in Japanese, or about Japan (Japan/Japanese/Tokyo/日本 in the title), is ``japan``;
* the result is in taxonomy order; an article matching nothing has no topics (it is shown to readers who
  follow all topics, never to those who chose some).
"""

from __future__ import annotations

import re

from summaries.models import Article

__all__ = ["TOPICS", "TOPIC_ALIASES", "TOPIC_RULES", "assign_topics", "resolve_topic"]

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


_BODY_CHARS = 1500


def _rule(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.IGNORECASE)


#: What makes a story belong to a topic. English patterns are whole words; Japanese ones are substrings.
TOPIC_RULES: dict[str, re.Pattern[str]] = {
    "llm": _rule(
        r"\b(?:LLMs?|large language models?|language models?|GPT-?[\w.]*|ChatGPT|Claude|Gemini|Llama|Mistral|"
        r"Qwen|Gemma|Phi-?\d[\w.-]*|DeepSeek|chatbots?|o[134](?:-mini|-pro)?|Sonnet|Opus|Haiku|tokens?|"
        r"fine-tun\w*|prompts?)\b",
        r"大規模言語モデル|言語モデル|生成AI|チャットボット",
    ),
    "research": _rule(
        r"\b(?:paper|arXiv|study|researchers?|benchmarks?|dataset|preprint|NeurIPS|ICML|ICLR|ACL|CVPR|"
        r"we propose|state-of-the-art|evaluation|findings)\b",
        r"研究|論文|学会|ベンチマーク",
    ),
    "open-source": _rule(
        r"\b(?:open[- ]source|open[- ]weights?|weights|GitHub|Apache 2\.0|MIT licen[cs]e|Hugging Face|"
        r"open model|Gemma|Llama|Qwen|Mistral)\b",
        r"オープンソース|オープンウェイト|ウェイト.{0,4}公開",
    ),
    "agents": _rule(
        r"\b(?:agents?|agentic|autonomous|computer use|Operator|Codex|Claude Code|MCP|tool use|"
        r"Deep Research|workflows?)\b",
        r"エージェント|自律",
    ),
    "vision": _rule(
        r"\b(?:images?|video|Veo|Sora|Imagen|DALL.?E|vision|multimodal|photos?|computer vision|visual|"
        r"text-to-image|text-to-video|diffusion)\b",
        r"画像|動画|映像|ビジョン",
    ),
    "audio": _rule(
        r"\b(?:audio|speech|voice|text-to-speech|TTS|transcri\w+|music|podcast|Whisper|Realtime API)\b",
        r"音声|文字起こし|音楽",
    ),
    "robotics": _rule(
        r"\b(?:robots?|robotics?|humanoids?|self-driving|autonomous vehicles?|robotaxis?|drones?|"
        r"Gemini Robotics|embodied)\b",
        r"ロボット|ロボタクシー|自動運転",
    ),
    "chips": _rule(
        r"\b(?:chips?|GPUs?|TPUs?|semiconductors?|NVIDIA|Cerebras|AMD|Intel|TSMC|Micron|data cent(?:er|re)s?|"
        r"gigawatts?|GW|Stargate|compute|accelerators?|silicon)\b",
        r"半導体|チップ|データセンター|GPU",
    ),
    "policy": _rule(
        r"\b(?:policy|regulat\w+|law|lawsuit|court|government|Congress|Senate|parliament|EU AI Act|"
        r"AI Act|Code of Practice|export controls?|directive|copyright|antitrust|public sector|minister)\b",
        r"規制|法案|政府|政策|裁判|著作権|省",
    ),
    "safety": _rule(
        r"\b(?:safety|safeguards?|alignment|misalignment|jailbreaks?|red[- ]team\w*|biosecurity|"
        r"security|attacks?|vulnerabilit\w+|misuse|malicious|preparedness|system card|interpretability|"
        r"risks?)\b",
        r"安全|セキュリティ|脆弱性|リスク|防御",
    ),
    "business": _rule(
        r"\b(?:funding|raises?|raised|valuation|investment|invests?|acquisition|acquires?|partnership|"
        r"partners?|revenue|customers?|enterprise|IPO|deal|joint venture|startups?|pricing|price|market|"
        r"billion|million)\b",
        r"提携|出資|投資|買収|資金調達|億ドル|億円|企業|価格",
    ),
    "japan": _rule(r"\b(?:Japan|Japanese|Tokyo|Osaka|SoftBank|Sakana)\b", r"日本|東京|国内"),
}
_CATEGORY_TOPIC = {"research": "research", "policy": "policy", "japan": "japan"}
_JA = re.compile(r"[\u3040-\u30ff]")


def assign_topics(article: Article) -> tuple[str, ...]:
    """The article's topics, in taxonomy order (see the module docstring for the rules)."""
    body = article.text[:_BODY_CHARS]
    found: set[str] = set()
    for topic, pattern in TOPIC_RULES.items():
        if pattern.search(article.title) or len(pattern.findall(body)) >= 2:
            found.add(topic)
    if article.category in _CATEGORY_TOPIC:
        found.add(_CATEGORY_TOPIC[article.category])
    if article.language == "ja" or _JA.search(article.title):
        found.add("japan")
    return tuple(t for t in TOPICS if t in found)
