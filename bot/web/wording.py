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
        "subscribe_button": "Get Started Free",
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
        "unavailable_title": "AIToday is briefly unavailable",
        "unavailable_text": (
            "Our database is not answering right now, so this page cannot be shown and nothing was changed. "
            "Please try again in a minute."
        ),
        "footer": "AIToday is open source. Summaries are made by software; follow the links for the full story.",
        "english": "English",
        "japanese": "日本語",
        # calls to action (the seed's words)
        "hero_kicker": "5 minutes a day. The AI essentials.",
        "hero_sources": "200+ sources · Email / LINE / Slack / Telegram",
        "cta_story": "Summaries like this, in your inbox every morning.",
        "cta_story_link": "Sign up free →",
        "cta_title": "Get curated AI news from 200+ sources delivered daily to your inbox.",
        "cta_free": "Free to use.",
        "cta_button": "Get Started Free",
        "cta_fine": "Free · takes 30 seconds · unsubscribe anytime",
        # the story page
        "read_more": "Read more",
        "key_points": "Key points",
        "read_original": "Read the original at {source}",
        "by_author": "by {author}",
        "minutes_ago": "{n} min ago",
        "hours_ago": "{n}h ago",
        "days_ago": "{n}d ago",
        "related": "Related articles",
        "not_found_story": "We don't have that story. Stories stay on the site for 14 days.",
        # the discussion
        "discussion": "Discussion",
        "no_comments": "No comments yet. Be the first to share your thoughts!",
        "login_prompt": "Log in to join the discussion",
        "signed_in_as": "Signed in as {name}",
        "signed_in": "Signed in",
        "logout": "Log out",
        "comment_label": "Your comment",
        "comment_hint": "Up to 2,000 characters. Be kind; links are allowed.",
        "name_label": "Display name",
        "name_hint": "Shown with your comments; chosen once.",
        "post_button": "Post comment",
        "edited": "edited",
        "edit": "Edit",
        "save": "Save",
        "delete": "Delete",
        "report": "Report",
        "hidden_comment": "This comment is hidden after reports from readers.",
        "comment_posted": "Your comment is posted.",
        "comment_saved": "Your comment is updated.",
        "comment_deleted": "Your comment is deleted.",
        "comment_reported": "Thank you. The comment is reported.",
        "err_empty": "Your comment is empty. Write something first.",
        "err_too_long": "Your comment is {n} characters long; the limit is 2,000. Please shorten it.",
        "err_rate": "You're commenting fast. Please wait {n} seconds and post again.",
        "err_name": "Please choose a display name of 1 to 40 characters.",
        "err_not_yours": (
            "You can edit or delete only your own comments, and report only other people's."
        ),
        "err_locked": "Comments can be edited or deleted for 15 minutes only.",
        "err_gone": "That comment no longer exists.",
        "err_csrf": "This form has expired. Please reload the page and try again.",
        "err_login_needed": "Please log in first.",
        # logging in
        "login_title": "Log in",
        "login_intro": "No password: we email you a link that signs you in. It works once, for 15 minutes.",
        "login_button": "Email me a sign-in link",
        "login_sent_title": "Check your inbox",
        "login_sent_body": (
            "If {address} can receive mail, a sign-in link is on its way. It works once, for 15 minutes."
        ),
        "login_expired": "This sign-in link has expired. Links work for 15 minutes; ask for a new one below.",
        "login_used": "This sign-in link was already used. Each link works once; ask for a new one below.",
        "login_invalid": "This sign-in link isn't valid. Ask for a new one below.",
        "login_confirm_title": "Sign in to AIToday",
        "login_confirm_body": "Continue as {address}?",
        "login_continue": "Log in",
        "login_bad_address": "That email address doesn't look right. Please check it.",
        "login_too_many": "Too many sign-in links were asked for. Please try again in an hour.",
        "login_send_failed": "We couldn't send the mail just now. Please try again in a few minutes.",
        "login_or": "or",
        "login_slack": "Sign in with Slack",
        "login_slack_failed": "Signing in with Slack didn't work. Please try again, or ask for a link by email.",
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
        "subscribe_button": "無料で始める",
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
        "unavailable_title": "AIToday は一時的にご利用いただけません",
        "unavailable_text": (
            "データベースが応答していないため、このページを表示できません。変更は何も行われていません。"
            "1分ほどしてから再度お試しください。"
        ),
        "footer": "AIToday はオープンソースです。要約はソフトウェアが作成しています。詳しくは元記事をご覧ください。",
        "english": "English",
        "japanese": "日本語",
        "hero_kicker": "1日5分で、AIの要点を。",
        "hero_sources": "200以上の情報源 · メール / LINE / Slack / Telegram",
        "cta_story": "こんな要約を、毎朝あなたの受信箱に。",
        "cta_story_link": "無料で登録 →",
        "cta_title": "200以上の情報源から厳選したAIニュースを、毎日あなたの受信箱へ。",
        "cta_free": "無料でご利用いただけます。",
        "cta_button": "無料で始める",
        "cta_fine": "無料 · 30秒で登録 · いつでも解除できます",
        "read_more": "続きを読む",
        "key_points": "要点",
        "read_original": "{source} で元記事を読む",
        "by_author": "{author}",
        "minutes_ago": "{n}分前",
        "hours_ago": "{n}時間前",
        "days_ago": "{n}日前",
        "related": "関連記事",
        "not_found_story": "この記事は見つかりません。記事は14日間サイトに掲載されます。",
        "discussion": "ディスカッション",
        "no_comments": "まだコメントはありません。最初の感想をどうぞ！",
        "login_prompt": "ログインしてディスカッションに参加",
        "signed_in_as": "{name} としてログイン中",
        "signed_in": "ログイン中",
        "logout": "ログアウト",
        "comment_label": "コメント",
        "comment_hint": "2,000文字まで。リンクも書けます。思いやりのある言葉でお願いします。",
        "name_label": "表示名",
        "name_hint": "コメントと一緒に表示されます（最初の1回だけ決めます）。",
        "post_button": "コメントを投稿",
        "edited": "編集済み",
        "edit": "編集",
        "save": "保存",
        "delete": "削除",
        "report": "報告",
        "hidden_comment": "このコメントは読者からの報告により非表示になっています。",
        "comment_posted": "コメントを投稿しました。",
        "comment_saved": "コメントを更新しました。",
        "comment_deleted": "コメントを削除しました。",
        "comment_reported": "ご報告ありがとうございます。",
        "err_empty": "コメントが空です。内容を入力してください。",
        "err_too_long": "コメントが{n}文字あります。2,000文字以内にしてください。",
        "err_rate": "投稿が続いています。{n}秒待ってからもう一度投稿してください。",
        "err_name": "表示名は1〜40文字で入力してください。",
        "err_not_yours": "編集・削除できるのは自分のコメントだけ、報告できるのは他の人のコメントだけです。",
        "err_locked": "コメントの編集・削除は投稿から15分以内に限られます。",
        "err_gone": "そのコメントはもうありません。",
        "err_csrf": "フォームの有効期限が切れました。ページを再読み込みしてからもう一度お試しください。",
        "err_login_needed": "先にログインしてください。",
        "login_title": "ログイン",
        "login_intro": "パスワードは不要です。ログイン用のリンクをメールでお送りします（15分間、1回だけ有効）。",
        "login_button": "ログインリンクを送る",
        "login_sent_title": "メールをご確認ください",
        "login_sent_body": "{address} にログイン用のリンクを送りました。15分間、1回だけ有効です。",
        "login_expired": "このログインリンクは有効期限（15分）が切れています。下から新しいリンクをお送りください。",
        "login_used": (
            "このログインリンクはすでに使われています。リンクは1回だけ有効です。下から新しいリンクをお送りください。"
        ),
        "login_invalid": "このログインリンクは無効です。下から新しいリンクをお送りください。",
        "login_confirm_title": "AIToday にログイン",
        "login_confirm_body": "{address} としてログインしますか？",
        "login_continue": "ログイン",
        "login_bad_address": "メールアドレスの形式が正しくありません。ご確認ください。",
        "login_too_many": "ログインリンクの依頼が多すぎます。1時間後にもう一度お試しください。",
        "login_send_failed": "ただいまメールを送信できません。数分後にもう一度お試しください。",
        "login_or": "または",
        "login_slack": "Slack でログイン",
        "login_slack_failed": (
            "Slack でのログインに失敗しました。もう一度お試しいただくか、メールでリンクをお送りください。"
        ),
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
