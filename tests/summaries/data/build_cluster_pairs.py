"""Build ``cluster_pairs.jsonl``: labelled article pairs (same story or not) for clustering tests and the bench.

    .venv/bin/python tests/summaries/data/build_cluster_pairs.py > tests/summaries/data/cluster_pairs.jsonl

Real items come from the AI-news snapshots in shared/feeds (found by exact title); written items are
headlines and leads in the style of outlets covering those announcements (their facts come from the real
item). Kinds: ``coverage`` (another outlet reports the same event), ``near-duplicate`` (an aggregator
re-post), ``cross-language`` (a Japanese report of the same event), ``near-miss`` (same organisation or
product family, within 72 h, another story), ``unrelated`` (within 72 h), ``out-of-window``. The output
is committed; rerun only to add pairs, and review the diff.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from summaries.models import Article
from tests.summaries.feeds import feed_articles

OPENAI = "openai-news_rss2_cdata_full-history.xml"
DEEPMIND = "google-deepmind-blog_rss2_media-rss.xml"
GOOGLE = "google-blog-ai_rss2_escaped-html-description.xml"
ANTHROPIC = "anthropic-news_generated_rss2_oldest-first_missing-descriptions.xml"
MICROSOFT = "microsoft-ai-blog_rss2_wordpress_empty-guid.xml"
HN = "hackernews_generated_rss2_huge-content-encoded.xml"
LEDGE = "ledge-ai_ja_generated_rss2_no-guid.xml"
HF = "huggingface-daily-papers_generated_atom_non-uri-id.xml"


def real(feed: str, title: str, nth: int = 0) -> Article:
    found = [a for a in feed_articles(feed) if a.title.startswith(title)]
    if len(found) <= nth:
        raise SystemExit(f"no item {title!r} in {feed}")
    article = found[nth]
    return replace(article, text=article.text[:700], html="")


def written(base: Article, title: str, lead: str, source: str, hours: float = 5, lang: str = "en") -> Article:
    """Coverage of ``base`` by another outlet, ``hours`` later."""
    slug = hashlib.sha1(f"{source}|{title}".encode()).hexdigest()[:12]
    category = {"Ledge.ai": "japan", "ITmedia AI+": "japan", "Techmeme": "newsletter"}.get(source, "media")
    return Article(
        fingerprint=slug,
        source_id=source.casefold().replace(" ", "-").replace(".", ""),
        source_name=source,
        category=category,
        url=f"https://{source.casefold().replace(' ', '')}.example/{slug}",
        title=title,
        published=base.published + timedelta(hours=hours),
        first_seen=base.published + timedelta(hours=hours),
        language=lang,
        text=lead,
    )


def repost(base: Article, aggregator: str, suffix: str, hours: float) -> Article:
    """An aggregator's copy: same title (plus a suffix), the same lead, another URL and source."""
    return written(base, f"{base.title}{suffix}", base.text[:300], aggregator, hours)


# (feed, real title, written title, written lead, outlet, hours later)
COVERAGE: list[tuple[str, str, str, str, str, float]] = [
    (OPENAI, "Introducing HealthBench", "OpenAI's HealthBench tests AI models on realistic health conversations",
     "OpenAI released HealthBench, a benchmark built with input from more than 250 physicians to evaluate how "
     "AI models handle realistic medical scenarios.", "The Verge", 4),
    (OPENAI, "Introducing Codex", "OpenAI launches Codex, a cloud coding agent powered by codex-1",
     "OpenAI unveiled Codex, a cloud-based software engineering agent that can work on many tasks in parallel. "
     "It is powered by codex-1, a version of o3 optimized for coding.", "TechCrunch", 3),
    (OPENAI, "Introducing Stargate UAE", "OpenAI takes Stargate abroad with UAE data center deal",
     "OpenAI announced Stargate UAE, the first international deployment of its Stargate AI infrastructure "
     "platform, built with partners in Abu Dhabi.", "Reuters", 6),
    (OPENAI, "OpenAI Deutschland", "OpenAI to open its first office in Germany, in Munich",
     "OpenAI said it is opening an office in Munich, its first in Germany, as demand for ChatGPT grows in "
     "Europe's largest economy.", "Handelsblatt", 8),
    (OPENAI, "Introducing OpenAI for Government", "OpenAI launches OpenAI for Government for US public servants",
     "OpenAI is bringing its most advanced AI tools to public servants across the United States through a new "
     "initiative called OpenAI for Government.", "The Verge", 5),
    (OPENAI, "Bringing the magic of AI to Mattel", "Mattel teams up with OpenAI to bring AI to Barbie and Hot Wheels",
     "Toy maker Mattel and OpenAI announced a partnership to integrate AI into brands such as Barbie and Hot "
     "Wheels and into product development.", "Bloomberg", 7),
    (OPENAI, "How we’re responding to The New York Times",
     "OpenAI fights court order to keep ChatGPT user data in New York Times lawsuit",
     "OpenAI is appealing a court order, sought by The New York Times and other plaintiffs, that requires it to "
     "retain consumer ChatGPT and API user data indefinitely.", "Ars Technica", 9),
    (OPENAI, "Working with 400,000 teachers", "OpenAI and teachers' union launch AI academy for 400,000 educators",
     "OpenAI and the American Federation of Teachers are launching a five-year initiative to train 400,000 K-12 "
     "educators to use AI in classrooms.", "Axios", 6),
    (OPENAI, "The EU Code of Practice", "OpenAI says it will sign the EU's Code of Practice for AI",
     "OpenAI joins the European Union's Code of Practice for general-purpose AI and pledges to work with "
     "European governments on infrastructure.", "Politico Europe", 10),
    (OPENAI, "Introducing ChatGPT agent", "ChatGPT can now do tasks for you as OpenAI launches ChatGPT agent",
     "OpenAI launched ChatGPT agent, which thinks and acts with tools to complete tasks like research, bookings "
     "and building slideshows.", "Wired", 2),
    (OPENAI, "A $50 million fund", "OpenAI launches $50 million fund for nonprofits and community groups",
     "OpenAI is setting up an initial $50 million fund to support nonprofit and community organizations, "
     "following the OpenAI Nonprofit Commission report.", "The Chronicle of Philanthropy", 12),
    (OPENAI, "OpenAI and UK Government announce", "UK government signs AI partnership with OpenAI",
     "The UK Government and OpenAI signed a strategic partnership to increase AI adoption in public services and "
     "drive economic growth in the UK.", "BBC News", 3),
    (OPENAI, "Stargate advances with 4.5 GW", "Oracle to build 4.5 gigawatts of Stargate capacity for OpenAI",
     "Oracle and OpenAI agreed to develop 4.5 gigawatts of additional Stargate data center capacity in the U.S., "
     "expanding their earlier deal.", "CNBC", 5),
    (OPENAI, "Pioneering an AI clinical copilot", "AI copilot cut diagnostic errors by 16% at Penda Health clinics",
     "A study by OpenAI and Kenyan provider Penda Health found an AI clinical copilot reduced diagnostic errors "
     "by 16% in real-world use.", "STAT News", 11),
    (OPENAI, "Announcing OpenAI DevDay 2025", "OpenAI DevDay 2025 set for October 6 in San Francisco",
     "OpenAI will hold DevDay on October 6, 2025 in San Francisco, expecting more than 1,500 developers to "
     "preview new tools.", "VentureBeat", 4),
    (OPENAI, "Preparing for future AI risks in biology", "OpenAI steps up biosecurity safeguards for future models",
     "OpenAI said advanced AI could transform biology but raises biosecurity risks, and it is assessing "
     "capabilities and adding safeguards against misuse.", "Axios", 7),
    (OPENAI, "Introducing data residency in Asia", "OpenAI adds data residency in Asia for enterprise customers",
     "OpenAI now offers data residency in Japan, India, Singapore and South Korea for ChatGPT Enterprise, "
     "ChatGPT Edu and the API.", "The Register", 9),
    (OPENAI, "Disrupting malicious uses of AI: June 2025",
     "OpenAI report details how it disrupted malicious uses of AI",
     "In its June 2025 threat report, OpenAI describes influence operations and scams it disrupted and the "
     "safety tools it used to detect abuse.", "The Record", 8),
    (OPENAI, "Agent bio bug bounty call", "OpenAI offers up to $25,000 for a universal jailbreak of ChatGPT agent",
     "OpenAI invited researchers to a bio bug bounty: find a universal jailbreak prompt that beats ChatGPT "
     "agent's safety checks and win up to $25,000.", "BleepingComputer", 6),
    (OPENAI, "New tools and features in the Responses API",
     "OpenAI adds remote MCP and image generation to Responses API",
     "OpenAI's Responses API now supports remote MCP servers, image generation and Code Interpreter, aimed at "
     "developers building agents.", "InfoQ", 10),
    (DEEPMIND, "Announcing Gemma 3n preview", "Google previews Gemma 3n, an open model built for phones",
     "Google released a preview of Gemma 3n, an open multimodal model designed to run fast on mobile devices.",
     "Android Authority", 3),
    (DEEPMIND, "Fuel your creativity with new generative media", "Google unveils Veo 3, Imagen 4 and the Flow app",
     "At I/O, Google introduced Veo 3 and Imagen 4, along with Flow, a new AI filmmaking tool.", "The Verge", 2),
    (DEEPMIND, "Advanced version of Gemini with Deep Think",
     "Google DeepMind's Gemini Deep Think earns gold-medal score at the Math Olympiad",
     "An advanced version of Gemini with Deep Think officially achieved gold-medal level performance at the "
     "International Mathematical Olympiad (IMO).", "Nature News", 6),
    (DEEPMIND, "AlphaGenome", "DeepMind's AlphaGenome predicts the effects of DNA variants",
     "Google DeepMind introduced AlphaGenome, a DNA sequence model that predicts how genetic variants affect "
     "gene regulation, available through an API.", "Science", 8),
    (DEEPMIND, "Gemini Robotics On-Device", "Google DeepMind's Gemini Robotics On-Device runs locally on robots",
     "Google DeepMind released Gemini Robotics On-Device, an efficient robotics model that runs on the robot "
     "itself and adapts to new tasks quickly.", "IEEE Spectrum", 5),
    (DEEPMIND, "Aeneas transforms how historians", "DeepMind's Aeneas helps historians read ancient inscriptions",
     "Google DeepMind published a paper in Nature introducing Aeneas, an AI model that contextualizes ancient "
     "Latin inscriptions.", "The Guardian", 4),
    (DEEPMIND, "How we're supporting better tropical cyclone", "Google launches Weather Lab for cyclone forecasts",
     "Google's Weather Lab shares experimental AI cyclone predictions, and the company is partnering with the "
     "U.S. National Hurricane Center.", "Ars Technica", 7),
    (DEEPMIND, "Gemini 2.5 Flash-Lite is now ready", "Gemini 2.5 Flash-Lite is now generally available",
     "Google made Gemini 2.5 Flash-Lite, its most cost-efficient 2.5 model, stable and generally available for "
     "production use.", "9to5Google", 3),
    (DEEPMIND, "Exploring the context of online images with Backstory",
     "Google DeepMind's Backstory traces where online images came from",
     "Backstory is an experimental AI tool from Google DeepMind that helps people explore the context and "
     "origin of images seen online.", "The Verge", 6),
    (GOOGLE, "Web Guide: An experimental", "Google tests Web Guide, an AI-organized search results page",
     "Google is launching Web Guide, a Search Labs experiment that uses AI to organize the search results page.",
     "Search Engine Land", 4),
    (GOOGLE, "Gemini CLI: your open-source AI agent",
     "Google releases Gemini CLI, an open-source agent for the terminal",
     "Google released Gemini CLI, an open-source AI agent that brings Gemini directly into developers' "
     "terminals.", "TechCrunch", 2),
    (GOOGLE, "Transform your photos into videos", "Google Photos can now turn your photos into videos",
     "Google Photos is adding new creation tools, including Photo to video and Remix.", "Engadget", 3),
    (GOOGLE, "Try on styles with AI", "Google Shopping rolls out AI try-on and new price alerts",
     "Google Shopping launched its AI try on feature in the US and updated price alerts.", "CNET", 6),
    (ANTHROPIC, "Introducing Claude Sonnet 5", "Anthropic releases Claude Sonnet 5",
     "Anthropic's Claude Sonnet 5 delivers frontier performance in coding, agents and professional work.",
     "TechCrunch", 1),
    (ANTHROPIC, "Introducing Claude Opus 5", "Anthropic launches Claude Opus 5 for long-running agents",
     "Claude Opus 5 is a step change for Anthropic's Opus tier, aimed at long-running agents, coding and "
     "professional work.", "The Verge", 2),
    (ANTHROPIC, "Claude Science, an AI workbench", "Anthropic launches Claude Science, a workbench for researchers",
     "Claude Science is a customizable app that brings together the tools and packages scientists use and "
     "produces auditable artifacts.", "Nature News", 9),
    (ANTHROPIC, "Anthropic is donating another $20 million",
     "Anthropic gives another $20 million to Public First Action",
     "Anthropic is contributing an additional $20 million to Public First Action, bringing its total support to "
     "$40 million.", "Politico", 5),
    (ANTHROPIC, "Mariano-Florentino (Tino) Cuéllar", "Anthropic hires Tino Cuéllar as Chief Global Affairs Officer",
     "Mariano-Florentino Cuéllar will join Anthropic as its first Chief Global Affairs Officer.", "Axios", 4),
    (ANTHROPIC, "Redeploying Fable 5", "Fable 5 returns July 1 as Anthropic proposes jailbreak severity scores",
     "Anthropic will bring Fable 5 back globally on July 1 and proposes an industry framework, with Amazon, "
     "Microsoft and Google, for scoring jailbreak severity.", "Wired", 3),
    (ANTHROPIC, "Statement on the US government directive", "US orders suspension of access to Fable 5 and Mythos 5",
     "An export control directive from the US government suspends all access to Anthropic's Fable 5 and Mythos 5 "
     "models.", "Reuters", 2),
    (ANTHROPIC, "Government of Alberta uses Claude", "Alberta used Claude Code to fix security flaws in its systems",
     "The Government of Alberta has used Claude Code with Opus and Sonnet models since 2025 to review systems "
     "and fix vulnerabilities.", "CBC News", 10),
    (MICROSOFT, "Microsoft Azure AI Foundry Models and Microsoft Security Copilot achieve",
     "Azure AI Foundry and Security Copilot earn ISO/IEC 42001 certification",
     "Microsoft achieved ISO/IEC 42001:2023 certification, the AI management systems standard, for Azure AI "
     "Foundry Models and Security Copilot.", "Redmond Magazine", 6),
    (MICROSOFT, "Reasoning reimagined: Introducing Phi-4-mini-flash-reasoning",
     "Microsoft releases Phi-4-mini-flash-reasoning for fast on-device math",
     "Microsoft's new Phi-4-mini-flash-reasoning model uses a hybrid architecture to speed up reasoning on "
     "edge devices.", "VentureBeat", 5),
    (MICROSOFT, "Introducing Deep Research in Azure AI Foundry",
     "Deep Research arrives in Azure AI Foundry Agent Service",
     "Microsoft is bringing Deep Research to the Azure AI Foundry Agent Service in public preview.",
     "The New Stack", 8),
    (HN, "Micron announces $10B research hub", "Micron to build $10 billion research hub in Boise",
     "Memory maker Micron announced a $10 billion research and development hub in Boise, Idaho.",
     "The Idaho Statesman", 3),
    (HN, "DeepSeek-v4-flash-vision-exp", "DeepSeek posts experimental v4 flash vision model",
     "DeepSeek published DeepSeek-v4-flash-vision-exp, an experimental vision variant of its v4 flash model.",
     "Hugging Face Blog", 4),
    (HF, "RAGEN-2", "RAGEN-2 finds 'reasoning collapse' when training LLM agents with RL",
     "Researchers behind RAGEN-2 report that multi-turn RL training of LLM agents suffers reasoning collapse, "
     "and that entropy alone does not track it.", "Import AI", 20),
    (HF, "GenericAgent", "GenericAgent: a token-efficient, self-evolving LLM agent",
     "GenericAgent tackles the context limits of long-horizon LLM agents by maximizing contextual information "
     "density.", "The Batch", 30),
]

# Japanese reports (Ledge.ai, real) and English coverage written for them, or the reverse.
CROSS: list[tuple[str, str, str, str, float]] = [
    ("OpenAI、GPT-5.6 Solを最大14倍高速化", "OpenAI and Cerebras preview Ultrafast mode for GPT-5.6 Sol",
     "OpenAI and Cerebras announced Ultrafast mode, a new API service tier that runs GPT-5.6 Sol up to 14 times "
     "faster.", "The Information", -20),
    ("Alibaba「Qwen」シリーズ", "Alibaba's Qwen models pass 3 billion downloads; Qwen3.8-27B weights released",
     "Alibaba's open-weight Qwen models were downloaded more than 3 billion times in six months, Bloomberg "
     "reported.", "Bloomberg", -12),
    ("Google「Gemini 3.7 Flash」公開", "Google ships Gemini 3.7 Flash with better coding and agents",
     "Google released Gemini 3.7 Flash, three weeks after its previous update, with stronger coding and AI "
     "agent features and a lower launch price.", "9to5Google", -20),
    ("NVIDIA、SB Energyに15億ドル投資", "Nvidia invests $1.5 billion in SB Energy as OpenAI signs 20-year Ohio deal",
     "Nvidia is investing $1.5 billion in SB Energy, and OpenAI signed a 20-year contract for an AI data center "
     "in Ohio.", "Reuters", -24),
    ("OpenAI、Linux版「ChatGPT」", "OpenAI previews ChatGPT desktop app for Linux",
     "OpenAI released a preview of its ChatGPT desktop app for Linux, with Work and Codex available.",
     "OMG! Ubuntu", -30),
    ("Slack、AIコーディングエージェント", "Slack announces Slack Code for building software with AI agents",
     "Slack announced Slack Code, a feature for teams to develop software together with AI coding agents.",
     "The Verge", -26),
    ("Google Meet、対面会議でもGemini", "Google Meet's Take notes for me now works in in-person meetings",
     "Google Meet's Gemini-powered Take notes for me feature can now be used in in-person meetings and saves "
     "notes to Google Docs.", "9to5Google", -100 / 60),
]

# Two real items of one feed that report one story.
REAL_SAME: list[tuple[str, str, str, str, str]] = [
    (DEEPMIND, "Gemini 2.5 Pro Preview: even better coding", DEEPMIND, "Build rich, interactive web apps", "coverage"),
    (DEEPMIND, "We’re expanding our Gemini 2.5 family", DEEPMIND, "Gemini 2.5: Updates to our family", "coverage"),
    (OPENAI, "Outbound coordinated vulnerability disclosure", OPENAI, "Scaling security with responsible", "coverage"),
    (HN, "Rust Glancer: Rust LSP", HN, "Rust Glancer", "near-duplicate"),
]

# Written near-misses: another story about the same organisation or product family, within 72 hours.
NEAR_MISS: list[tuple[str, str, str, str, str, float]] = [
    (OPENAI, "Introducing ChatGPT agent", "OpenAI makes GPT-4.1 the default model for ChatGPT coding",
     "OpenAI said GPT-4.1 is now available to ChatGPT Plus and Pro users for coding tasks.", "The Verge", 3),
    (ANTHROPIC, "Introducing Claude Opus 5", "Anthropic's Claude Sonnet 5 gets a price cut",
     "Anthropic lowered the API price of Claude Sonnet 5 for developers.", "TechCrunch", 20),
    (DEEPMIND, "Gemini 2.5 Flash-Lite is now ready", "Google adds Deep Think mode to Gemini 2.5 Pro in the Gemini app",
     "Google is rolling out Deep Think, an enhanced reasoning mode, to Gemini 2.5 Pro subscribers.", "9to5Google", 20),
    (OPENAI, "Stargate advances with 4.5 GW", "OpenAI opens Stargate Norway data center with Nscale",
     "OpenAI announced Stargate Norway, a data center built with Nscale and Aker near Narvik.", "Reuters", 40),
    (OPENAI, "Introducing Codex", "OpenAI releases Codex CLI update with o4-mini default",
     "The open-source Codex CLI now uses o4-mini by default.", "GitHub Blog", 30),
    (DEEPMIND, "Announcing Gemma 3n preview", "Google releases Gemma 3 27B quantized for consumer GPUs",
     "Google published quantization-aware trained versions of Gemma 3 27B that fit on consumer graphics cards.",
     "Hugging Face Blog", 10),
    (ANTHROPIC, "Ask Claude about the Anthropic Economic Index",
     "Anthropic's Economic Futures fund names first grantees",
     "Anthropic announced the first recipients of its Economic Futures Research Fund grants.", "Axios", 30),
    (MICROSOFT, "Visualize with Copilot", "Microsoft Copilot Vision comes to Windows Insiders",
     "Copilot Vision can now see your whole desktop in a Windows Insider preview.", "The Verge", 12),
]

# Japanese reports paired with English coverage of *another* story of the same company, same days.
CROSS_MISS: list[tuple[str, str, str, str, float]] = [
    ("OpenAI、Linux版「ChatGPT」", "OpenAI pauses RL training of its newest model for two weeks",
     "OpenAI has temporarily slowed model development, halting reinforcement learning on its latest model for "
     "two weeks.", "The Information", 3),
    ("Google Meet、対面会議でもGemini", "Google ships Gemini 3.7 Flash with better coding and agents",
     "Google released Gemini 3.7 Flash with stronger coding and AI agent features.", "9to5Google", 5),
    ("OpenAI、GPT-5.6 Solを最大14倍高速化", "OpenAI's Brockman warns defenders after AI agent breaks into Hugging Face",
     "An AI agent autonomously broke into Hugging Face systems, and OpenAI's Greg Brockman said defenders have "
     "little time left.", "Wired", 10),
    ("Google、破綻したスピリット航空", "Google Meet adds in-person meeting notes with Gemini",
     "Google Meet's Take notes for me now works in person and saves to Google Docs.", "The Verge", 8),
    ("Slack、AIコーディングエージェント", "Cursor launches Origin code hosting with GitHub sync",
     "Cursor introduced Origin, a code hosting service that syncs with GitHub, built for AI agents.",
     "TechCrunch", 4),
]

AGGREGATORS = [("Techmeme", " | Techmeme"), ("AI News Digest", ""), ("Hacker News", " (openai.com)")]


def line(kind: str, same: bool, a: Article, b: Article) -> str:
    def short(x: Article) -> dict[str, object]:
        data = x.to_dict()
        for key in ("html", "word_count", "reading_minutes", "guid", "image_url", "author"):
            data.pop(key, None)
        return data

    pair_id = hashlib.sha1(f"{a.fingerprint}|{b.fingerprint}".encode()).hexdigest()[:10]
    return json.dumps({"id": pair_id, "kind": kind, "same": same, "a": short(a), "b": short(b)}, ensure_ascii=False)


def main() -> None:
    out: list[str] = []
    for feed, title, w_title, lead, outlet, hours in COVERAGE:
        base = real(feed, title)
        out.append(line("coverage", True, base, written(base, w_title, lead, outlet, hours)))
    for ja_title, en_title, lead, outlet, hours in CROSS:
        base = real(LEDGE, ja_title)
        out.append(line("cross-language", True, base, written(base, en_title, lead, outlet, hours)))
    for ja_title, en_title, lead, outlet, hours in CROSS_MISS:
        base = real(LEDGE, ja_title)
        out.append(line("cross-language-miss", False, base, written(base, en_title, lead, outlet, hours)))
    uber = real(LEDGE, "Uber、東京ロボタクシー")
    out.append(line("coverage", True, uber, written(
        uber, "Uberと日の丸交通、東京でロボタクシー試験運行へ WayveのAI搭載の日産リーフ",
        "Uberは日の丸交通と提携し、東京でロボタクシーの試験運行を行う。WayveのAIを搭載した日産リーフを使う。",
        "ITmedia AI+", 6, "ja")))
    for fa, ta, fb, tb, kind in REAL_SAME:
        out.append(line(kind, True, real(fa, ta), real(fb, tb, 1 if ta == tb else 0)))
    reposted = [
        (OPENAI, "Introducing HealthBench"), (OPENAI, "Introducing Codex"), (OPENAI, "Introducing Stargate UAE"),
        (OPENAI, "Introducing OpenAI for Government"), (OPENAI, "Introducing ChatGPT agent"),
        (OPENAI, "Stargate advances with 4.5 GW"), (OPENAI, "Announcing OpenAI DevDay 2025"),
        (OPENAI, "Pioneering an AI clinical copilot"), (DEEPMIND, "AlphaGenome"), (DEEPMIND, "Aeneas transforms"),
        (DEEPMIND, "Gemini Robotics On-Device"), (DEEPMIND, "Advanced version of Gemini with Deep Think"),
        (GOOGLE, "Web Guide: An experimental"), (GOOGLE, "Gemini CLI: your open-source AI agent"),
        (ANTHROPIC, "Introducing Claude Sonnet 5"), (ANTHROPIC, "Introducing Claude Opus 5"),
        (ANTHROPIC, "Redeploying Fable 5"), (MICROSOFT, "Reasoning reimagined"),
        (LEDGE, "OpenAI、モデル開発を一時「減速」"), (LEDGE, "マネックス証券"),
    ]
    for i, (feed, title) in enumerate(reposted):
        aggregator, suffix = AGGREGATORS[i % len(AGGREGATORS)]
        base = real(feed, title)
        out.append(line("near-duplicate", True, base, repost(base, aggregator, suffix, 1 + i % 7)))
    for feed, title, w_title, lead, outlet, hours in NEAR_MISS:
        base = real(feed, title)
        out.append(line("near-miss", False, base, written(base, w_title, lead, outlet, hours)))
    # Real near-misses: two posts of one organisation within 72 hours that are different stories.
    labelled_same = {t for _, ta, _, tb, _ in REAL_SAME for t in (ta, tb)}
    ambiguous = {"ChatGPT agent System Card", "Addendum to", "Agent bio bug bounty call", "Statement from the OpenAI",
                 "Outbound coordinated", "Scaling security"}
    for feed, limit in ((OPENAI, 40), (DEEPMIND, 14), (ANTHROPIC, 12), (LEDGE, 14)):
        items = sorted(feed_articles(feed), key=lambda a: (a.published, a.fingerprint))
        items = [a for a in items if not any(a.title.startswith(x) for x in ambiguous | labelled_same)]
        pairs = [(a, b) for a, b in itertools.combinations(items, 2)
                 if abs(a.published - b.published) <= timedelta(hours=72)]
        step = max(1, len(pairs) // limit)
        for a, b in pairs[::-1][::step][:limit]:
            out.append(line("near-miss", False, real(feed, a.title), real(feed, b.title)))
    # Unrelated stories within 72 hours (Hacker News front page, Google's blog).
    hn = sorted((a for a in feed_articles(HN) if a.title), key=lambda a: a.fingerprint)
    skip = {"AI companies destroy", "Rust Glancer"}
    hn = [a for a in hn if not any(a.title.startswith(s) for s in skip)]
    for a, b in zip(hn[:20], hn[20:40], strict=True):
        out.append(line("unrelated", False, real(HN, a.title), real(HN, b.title)))
    gb = sorted(feed_articles(GOOGLE), key=lambda a: a.published)
    for a, b in itertools.pairwise(gb):
        if abs(a.published - b.published) <= timedelta(hours=72):
            out.append(line("near-miss", False, real(GOOGLE, a.title), real(GOOGLE, b.title)))
    # The same story more than 72 hours apart is not clustered.
    healthbench = real(OPENAI, "Introducing HealthBench")
    out.append(line("out-of-window", False, healthbench, written(
        healthbench, "A month on, doctors weigh in on OpenAI's HealthBench",
        "Physicians who helped build OpenAI's HealthBench benchmark discuss what it measures.", "STAT News", 24 * 30)))
    print("\n".join(out))


if __name__ == "__main__":
    main()
