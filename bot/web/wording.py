"""Every sentence the web pages show, in English and Japanese, and how a request picks its language.

The bot's replies live in ``bot.conversation.i18n``; page copy is longer-lived prose with a different audience
(a visitor,
not a subscriber), so it is kept here. Templates receive the chosen language's dict as ``t``; a key missing
in Japanese falls back to English so that a page never renders a hole.

A request's language, strongest first: ``?lang=`` (the switch), the ``aitoday_lang`` cookie the switch sets,
``Accept-Language`` (by q-value), then English.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from bot.conversation.i18n import LANGUAGES

__all__ = ["LANGUAGE_COOKIE", "PAGE_TEXT", "page_text", "pick_language", "preferred_language"]

LANGUAGE_COOKIE = "aitoday_lang"

PAGE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "site_name": "AIToday",
        "tagline": "AI news from 200+ sources, condensed into your morning digest.",
        "lede": (
            "Every morning AIToday reads the AI labs, researchers, policy makers and the press, groups the "
            "same story told by many outlets, and condenses each into three key points: what happened, why it "
            "matters and what to watch. It arrives by email, Slack, LINE or Telegram at the time you choose."
        ),
        "skip": "Skip to content",
        "language_switch": "Language",
        "top_stories": "Top stories",
        "full_edition": "Read the full edition",
        "no_edition": "No edition has been built yet. It appears here after the first ingest.",
        "sample_note": (
            "These are sample stories from the demo's feeds (fictional outlets, written for the project). "
            "Real stories replace them after the first ingest of the real sources."
        ),
        "what_happened": "What happened",
        "why_it_matters": "Why it matters",
        "what_to_watch": "What to watch",
        "also_covered": "Also covered by",
        "min_read": "min read",
        "sources_count": "sources",
        "topics": "Topics",
        "signup_title": "Get the digest by email",
        "signup_intro": "We send one confirmation mail; nothing arrives until you click its link.",
        "email_label": "Email address",
        "time_label": "Delivery time",
        "zone_label": "Time zone",
        "zone_hint": "Detected from your browser; any IANA name such as Asia/Tokyo works.",
        "language_label": "Digest language",
        "subscribe_button": "Subscribe",
        "chat_title": "Or add the bot where you chat",
        "chat_intro": "Type “help” to the bot for every command; “time 7:30” or “topics add robotics” change it.",
        "slack_link": "Add to Slack",
        "line_link": "Add on LINE",
        "telegram_link": "Open in Telegram",
        "not_configured": "not set up on this server yet",
        "edition_title": "AIToday edition of {date}",
        "edition_heading": "The edition of {date}",
        "stories_count": "{count} stories",
        "generated": "Built",
        "summarizer": "Summary",
        "share": "Link to this edition",
        "other_editions": "Other editions",
        "other_language": "日本語で読む",
        "not_found_title": "Page not found",
        "not_found_text": "This page does not exist, or the link has expired.",
        "not_found_edition": "There is no edition for that date in this language.",
        "back_home": "Back to the front page",
        "footer": "AIToday is open source. Summaries are made by software; follow the links for the full story.",
        "english": "English",
        "japanese": "日本語",
    },
    "ja": {
        "site_name": "AIToday",
        "tagline": "200以上の情報源からAIニュースを集め、毎朝のダイジェストにまとめてお届けします。",
        "lede": (
            "AIToday は毎朝、AI研究所・研究者・政策当局・報道の発信を読み、同じ話題をまとめ、"
            "「何が起きたか」「なぜ重要か」「今後の注目点」の3点に要約します。"
            "メール・Slack・LINE・Telegram で、お好きな時刻にお届けします。"
        ),
        "skip": "本文へ移動",
        "language_switch": "言語",
        "top_stories": "トップニュース",
        "full_edition": "全文を読む",
        "no_edition": "まだ号がありません。最初の取り込みの後にここに表示されます。",
        "sample_note": (
            "これはデモ用のサンプル記事です（架空の媒体、プロジェクトのために作成）。"
            "実際の情報源を取り込むと本物のニュースに置き換わります。"
        ),
        "what_happened": "何が起きたか",
        "why_it_matters": "なぜ重要か",
        "what_to_watch": "今後の注目点",
        "also_covered": "ほかの報道",
        "min_read": "分で読めます",
        "sources_count": "件の情報源",
        "topics": "トピック",
        "signup_title": "メールで受け取る",
        "signup_intro": "確認メールを1通お送りします。リンクをクリックするまで配信は始まりません。",
        "email_label": "メールアドレス",
        "time_label": "配信時刻",
        "zone_label": "タイムゾーン",
        "zone_hint": "ブラウザから自動入力しています。Asia/Tokyo などの IANA 名を使えます。",
        "language_label": "ダイジェストの言語",
        "subscribe_button": "登録する",
        "chat_title": "チャットで受け取る",
        "chat_intro": "ボットに「ヘルプ」と送るとコマンド一覧が届きます。「時間 7:30」などで設定を変えられます。",
        "slack_link": "Slack に追加",
        "line_link": "LINE で友だち追加",
        "telegram_link": "Telegram で開く",
        "not_configured": "このサーバーではまだ設定されていません",
        "edition_title": "AIToday {date}号",
        "edition_heading": "{date}号",
        "stories_count": "{count}件",
        "generated": "作成",
        "summarizer": "要約",
        "share": "この号へのリンク",
        "other_editions": "ほかの号",
        "other_language": "Read in English",
        "not_found_title": "ページが見つかりません",
        "not_found_text": "このページは存在しないか、リンクの有効期限が切れています。",
        "not_found_edition": "この日付・言語の号はありません。",
        "back_home": "トップページへ戻る",
        "footer": "AIToday はオープンソースです。要約はソフトウェアが作成しています。詳しくは元記事をご覧ください。",
        "english": "English",
        "japanese": "日本語",
    },
}


def page_text(language: str) -> Mapping[str, str]:
    """The page copy of ``language``, English filling any gap."""
    english = PAGE_TEXT["en"]
    if language == "en" or language not in PAGE_TEXT:
        return english
    return {**english, **PAGE_TEXT[language]}


def preferred_language(accept_language: str) -> str | None:
    """The first of our languages in an ``Accept-Language`` header, by q-value; None when none matches."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else None


def pick_language(request: Request) -> str:
    """The language to show ``request`` in: the switch, its cookie, Accept-Language, then English."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANGUAGE_COOKIE, "")
    if remembered in LANGUAGES:
        return remembered
    return preferred_language(request.headers.get("accept-language", "")) or "en"
