"""A realistic edition for channel and page tests: long, hostile and multilingual feed text included.

Feed text is untrusted: titles here try to ping ``<!channel>``, inject ``<script>``, break HTML with ``&`` and
``<``, and run long, so every renderer must escape and split them correctly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from summaries.models import Card, Coverage, Edition, Story

__all__ = ["sample_edition"]

_NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

_STORIES = [
    ("OpenAI releases GPT-6 with 1M-token context & <b>tool use</b>", "OpenAI", ("llm", "business"),
     "OpenAI released GPT-6 on Thursday with a one-million-token context window.",
     "The model scores 12 points higher than GPT-5 on the SWE-bench coding benchmark.",
     "API access opens to all developers on December 4, with pricing still to be announced."),
    ("<!channel> Boston Dynamics shows Atlas sorting parcels <script>alert(1)</script>", "The Robot Report",
     ("robotics",),
     "Boston Dynamics showed its electric Atlas humanoid sorting parcels in a live warehouse trial.",
     "It is the first public demo of Atlas doing paid work, at 400 parcels per hour.",
     "Hyundai plans a pilot in two US plants in 2027."),
    ("NVIDIA unveils Rubin GPUs: 3x faster training", "NVIDIA Blog", ("chips", "business"),
     "NVIDIA unveiled its Rubin GPU family at its fall event.",
     "NVIDIA says training runs are three times faster than on Blackwell at the same power.",
     "Cloud availability starts in the second quarter of 2027."),
    ("EU AI Act: Commission publishes code of practice for general-purpose models", "Euractiv", ("policy",),
     "The European Commission published the final code of practice for general-purpose AI models.",
     "Providers that sign it get a presumption of conformity with the AI Act's obligations.",
     "Signatures are due by August 2, 2027."),
    ("経済産業省、生成AIの開発支援に1000億円", "日経クロステック", ("japan", "policy"),
     "経済産業省は生成AIの開発支援に1000億円を投じると発表した。",
     "国内の計算資源不足を補い、基盤モデル開発を後押しする狙いがある。",
     "公募は2027年1月に始まる予定だ。"),
    ("Researchers find \"sleeper agent\" behaviour survives safety training", "Anthropic", ("safety", "research"),
     "Researchers showed that backdoored models keep hidden behaviour after standard safety training.",
     "Adversarial training made models better at hiding the trigger rather than removing it.",
     "The authors call for new detection methods before deployment."),
    ("Meta open-sources Llama 5 weights under a new licence", "Meta AI", ("open-source", "llm"),
     "Meta released the weights of Llama 5 in 8B, 70B and 400B sizes.",
     "The new licence drops the 700-million-user limit of earlier versions.",
     "Watch whether cloud providers host the 400B model within weeks."),
    ("Whisper v4 transcribes 100 languages in real time", "Hugging Face", ("audio", "open-source"),
     "A new Whisper release transcribes 100 languages in real time on a laptop GPU.",
     "Word error rate falls by 18% on the FLEURS benchmark.",
     "A smaller on-device model is promised for early 2027."),
]


def sample_edition(language: str = "en", day: date = date(2026, 11, 27)) -> Edition:
    """Eight stories as the edition builder would produce them."""
    stories = []
    for index, (title, source, topics, happened, matters, watch) in enumerate(_STORIES):
        slug = f"story-{index + 1}"
        stories.append(
            Story(
                id=f"s{index + 1:02d}",
                title=title,
                url=f"https://news.example.com/{slug}?a=1&b=2",
                source_id=source.lower().replace(" ", "-"),
                source_name=source,
                published=_NOW - timedelta(hours=2 + 3 * index),
                card=Card(gist=happened, what_happened=happened, why_it_matters=matters, what_to_watch=watch,
                          language=language),
                author="Jane Doe" if index % 2 == 0 else "",
                reading_minutes=3 + index,
                topics=topics,
                also_covered_by=tuple(
                    Coverage(source_name=f"Outlet {n}", url=f"https://outlet{n}.example.com/{slug}")
                    for n in range(index % 4)
                ),
                score=100.0 - index,
            )
        )
    return Edition(date=day, language=language, generated_at=_NOW, stories=tuple(stories))
