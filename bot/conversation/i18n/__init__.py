"""Every sentence the bot says, in English and Japanese.

``t(language, message_id, **params)`` renders one; a missing Japanese text falls back to English, a missing
parameter renders as empty rather than raising (a reply must never fail to render).
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping

from bot.conversation.i18n.feedback import FEEDBACK_MESSAGES

__all__ = ["LANGUAGES", "MESSAGES", "days_text", "t"]

LANGUAGES = ("en", "ja")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        **FEEDBACK_MESSAGES["en"],
        # errors: one line, what was wrong, then a correct example
        "error_line": "{reason} Try: {example}",
        "empty": "Send a command.",
        "unknown": "I don't know the command “{word}”.",
        "no_args": "“{command}” takes no arguments.",
        "time_missing": "Tell me the time of day.",
        "time_invalid": "“{value}” is not a time of day (00:00–23:59).",
        "tz_missing": "Tell me your time zone.",
        "tz_invalid": "“{value}” is not a time zone I know (use an IANA name or a city).",
        "topics_missing": "Name at least one topic to {action}.",
        "topic_unknown": "“{value}” is not a topic. Topics: {known}.",
        "source_missing": "Name the source to {action}.",
        "sources_usage": "Use “sources mute NAME” or “sources unmute NAME”.",
        "source_unknown": "No source matches “{value}”.",
        "source_suggest": "Did you mean: {names}?",
        "sources_full": "You have muted {most} sources, the most there can be; unmute one first.",
        "source_already_muted": "{source} is already muted.",
        "language_invalid": "“{value}” is not a language I write (en or ja).",
        "items_invalid": "“{value}” is not a number of stories.",
        "items_range": "{value} stories is out of range: choose 1–20.",
        "minutes_invalid": "“{value}” is not a number of minutes.",
        "minutes_range": "{value} minutes is out of range: choose 1–30.",
        "pause_invalid": "“{value}” is not a number of days.",
        "pause_range": "{value} days is out of range: pause for 1–365 days.",
        "days_missing": "Tell me the days of the week.",
        "link_code": ("Your link code is {code}. Within 10 minutes, send it as a message on your other channel "
                      "(Slack, LINE, Telegram or an email reply) to get one digest for both."),
        "link_unknown": "That code is unknown or expired. Send “link” on your other channel for a new one.",
        "link_same": "That code comes from this same chat; send it on your other channel.",
        "link_already": "This chat is already linked; send “unlink” here first.",
        "link_invalid": "“{value}” is not a link code (six digits).",
        "linked": ("Linked with {other}: one set of preferences, one digest a day on {channel}. "
                   "Send “deliver on …” to choose the channel."),
        "not_linked": "This chat is not linked to another.",
        "link_unavailable": "Linking chats is not available here.",
        "unlinked": "Unlinked: this chat has its own settings again.",
        "deliver_set": "Your digest now comes on {channel}, once a day.",
        "deliver_already": "Your digest already comes on {channel}.",
        "deliver_no_link": "No chat on {channel} is linked: send “link” there first.",
        "deliver_invalid": "“{value}” is not a channel (slack, line, telegram, email).",
        "topics_not_there": "{removed} was not one of your topics, so nothing changed. Your topics: {topics}.",
        "days_invalid": "“{value}” is not a set of days (mon-fri, daily, mon,wed,fri).",
        "days_set": "Digest days: {days}. Next digest: {next}.",
        "days_daily": "every day",
        "days_weekdays": "Monday to Friday",
        "day_names": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
        "understood": "Understood: {summary}.",
        "understood_summary": "{days} at {time} {tz} · topics: {topics}",
        "understood_failed": "Not applied: {errors}",
        "not_understood": (
            "I did not understand “{text}”. Try: “send me robotics news at 8am”, “time 07:30”, or “help”."
        ),
        # a model read the phrase (bot.conversation.intent): echo the strict command, or ask before applying it
        "intent_applied": "Understood as “{command}”: {reply}",
        "intent_confirm": "Did you mean: {command}? Reply “yes” to apply it (within 5 minutes); anything else cancels.",
        "intent_nothing": "There is nothing to confirm: a question expires after 5 minutes or at your next message.",
        "internal": "Something went wrong on our side; your settings are unchanged. Please try again.",
        # confirmations: say what changed
        "subscribed": ("Subscribed: your digest arrives daily at {time} ({tz}). "
                       "Change it with “time 8:00” or “timezone Europe/London”."),
        "already_subscribed": "You are already subscribed: daily at {time} ({tz}).",
        "unsubscribed": "Unsubscribed: no more digests here. Send “subscribe” to come back.",
        "not_subscribed": "You are not subscribed here. Send “subscribe” to start.",
        "time_set": "Delivery time set to {time} ({tz}). Next digest: {next}.",
        "tz_set": "Time zone set to {tz}. Your digest arrives at {time} local time. Next digest: {next}.",
        "topics_list": "Your topics: {topics}. Available: {known}.",
        "topics_none": "all topics",
        "topics_added": "Added {added}. Your topics: {topics}.",
        "topics_removed": "Removed {removed}. Your topics: {topics}.",
        "topics_clear": "Topics cleared: you get all topics.",
        "sources_list": "Muted sources: {muted}.",
        "sources_none": "none",
        "source_muted": "Muted {source}. You won't see its stories.",
        "source_unmuted": "Unmuted {source}.",
        "source_not_muted": "{source} was not muted.",
        "language_set": "Language set to English.",
        "items_set": "You will get {items} stories per digest.",
        "minutes_set": "Your digest will take about {minutes} minutes to read.",
        "paused_days": "Paused until {until}. Send “resume” to restart earlier.",
        "paused": "Paused. Send “resume” to restart.",
        "resumed": "Resumed: next digest {next}.",
        "not_paused": "You are not paused. Next digest: {next}.",
        "now_queued": "Today's digest is on its way.",
        "now_too_soon": "You just asked for a digest; please wait a few minutes.",
        "now_no_edition": "There is no digest yet today; try again in a little while.",
        "now_nothing": "Today's edition has no stories for you, so there is nothing to send.",
        "now_nothing_topics": (
            "Nothing in today's edition matches your topics, so there is nothing to send. "
            "Add a topic or clear them with “topics clear”."
        ),
        "now_unavailable": "Sending a digest on demand is not available here.",
        "hint_subscribe": "Send “subscribe” to start receiving it.",
        "next_none": "none scheduled",
        "settings": (
            "Status: {status}\nTime: {time} ({tz}), {days}\nLanguage: {language}\nTopics: {topics}\n"
            "Muted sources: {muted}\nReading time: {minutes} min\nStories per digest: {items}\nNext digest: {next}"
        ),
        "status_active": "subscribed",
        "status_paused": "paused until {until}",
        "status_paused_open": "paused",
        "status_inactive": "not subscribed",
        "status_gone": "stopped ({reason})",
        "help": (
            "AIToday commands:\n"
            "subscribe — start the daily digest (e.g. subscribe)\n"
            "unsubscribe — stop it (e.g. stop)\n"
            "time — delivery time (e.g. time 07:30, time 7am)\n"
            "timezone — your zone (e.g. timezone Asia/Tokyo)\n"
            "topics — favour topics (e.g. topics add robotics, chips · topics remove chips · topics clear)\n"
            "sources — mute a source (e.g. sources mute OpenAI News · sources unmute OpenAI News)\n"
            "language — en or ja (e.g. language ja)\n"
            "minutes — minutes of reading per digest, 1–30 (e.g. minutes 10)\n"
            "items — stories per digest, 1–20 (e.g. items 8)\n"
            "days — which days (e.g. days mon-fri · days daily)\n"
            "pause — stop for a while (e.g. pause 7 days) · resume\n"
            "now — today's digest now (e.g. now)\n"
            "settings — show your settings (e.g. settings)\n"
            "why — why today's stories were picked · like 2 / dislike 2 — more or fewer like story 2 (or 👍/👎)\n"
            "Or just say it: “send me robotics news at 8am”, “every weekday at 7:15”, “fewer stories”."
        ),
        # LINE: welcome on follow, quick-reply button labels (≤ 20 characters each)
        "line_welcome": "Welcome to AIToday: the day's AI news, condensed, every morning.",
        "line_qr_time": "Delivery time",
        "line_qr_topics": "Topics",
        "line_qr_language": "日本語",
        "line_qr_today": "Today's digest",
        # Telegram: /start's greeting around the reply, a group's admin rule, a stale button
        "tg_greeting": "Welcome to AIToday: the day's AI news in a few minutes, each story in three key points.",
        "tg_after_start": "Send /settings to choose topics, time and language, or /help for every command.",
        "tg_admins_only": "Only this group's admins can change its digest. You can still use /settings and /help.",
        "tg_expired": "This button no longer works; send /settings for a fresh one.",
        # Slack: who changed a channel's digest (Slack mrkdwn), and the answers when we cannot answer in time
        "slack_who_changed": "<@{user}> changed this channel's digest: {text}",
        "slack_too_slow": "That took too long to answer. Send `/aitoday settings` to see what is set now.",
        "slack_sorry": "Something went wrong on our side. Please try again.",
        "slack_press_again": "Your button press could not be recorded just now. Please press it again in a minute.",
        "slack_needs_user": "This command needs a Slack user and workspace.",
    },
    "ja": {
        **FEEDBACK_MESSAGES["ja"],
        "error_line": "{reason} 例: {example}",
        "empty": "コマンドを送ってください。",
        "unknown": "「{word}」というコマンドはありません。",
        "no_args": "「{command}」に引数は不要です。",
        "time_missing": "配信時刻を指定してください。",
        "time_invalid": "「{value}」は時刻として読めません（00:00〜23:59）。",
        "tz_missing": "タイムゾーンを指定してください。",
        "tz_invalid": "「{value}」は知らないタイムゾーンです（IANA名か都市名で）。",
        "topics_missing": "トピックを1つ以上指定してください。",
        "topic_unknown": "「{value}」はトピックにありません。トピック: {known}",
        "source_missing": "ソース名を指定してください。",
        "sources_usage": "「ソース ミュート 名前」または「ソース ミュート解除 名前」と送ってください。",
        "source_unknown": "「{value}」に当たるソースがありません。",
        "source_suggest": "もしかして: {names}",
        "sources_full": "ミュートできるソースは{most}件までです。先にどれかのミュートを解除してください。",
        "source_already_muted": "{source} はすでにミュートしています。",
        "language_invalid": "「{value}」には対応していません（en か ja）。",
        "items_invalid": "「{value}」は記事数として読めません。",
        "items_range": "{value}件は範囲外です。1〜20件で指定してください。",
        "minutes_invalid": "「{value}」は分数として読めません。",
        "minutes_range": "{value}分は範囲外です。1〜30分で指定してください。",
        "pause_invalid": "「{value}」は日数として読めません。",
        "pause_range": "{value}日は範囲外です。1〜365日で指定してください。",
        "days_missing": "曜日を指定してください。",
        "link_code": ("連携コードは {code} です。10分以内に、もう一方のチャンネル（Slack・LINE・Telegram・メール）で"
                      "このコードを送ってください。"),
        "link_unknown": "このコードは無効か期限切れです。もう一方のチャンネルで「連携」と送り直してください。",
        "link_same": "このコードはこのチャットで発行されたものです。もう一方のチャンネルで送ってください。",
        "link_already": "このチャットはすでに連携済みです。先に「連携解除」と送ってください。",
        "link_invalid": "「{value}」は連携コード（6桁の数字）ではありません。",
        "linked": ("{other} と連携しました。設定はひとつ、ダイジェストは1日1回 {channel} に届きます。"
                   "「配信先 …」で変えられます。"),
        "not_linked": "このチャットは連携されていません。",
        "link_unavailable": "ここではチャットの連携は使えません。",
        "unlinked": "連携を解除しました。このチャットの設定は独立しました。",
        "deliver_set": "ダイジェストは今後 {channel} に1日1回届きます。",
        "deliver_already": "ダイジェストはすでに {channel} に届いています。",
        "deliver_no_link": "{channel} のチャットは連携されていません。先にそちらで「連携」と送ってください。",
        "deliver_invalid": "「{value}」はチャンネル名ではありません（slack・line・telegram・email）。",
        "topics_not_there": "{removed} はトピックに入っていないので、変更はありません。トピック: {topics}",
        "days_invalid": "「{value}」は曜日として読めません（平日、毎日、月,水,金）。",
        "days_set": "配信日: {days}。次回: {next}",
        "days_daily": "毎日",
        "days_weekdays": "平日（月〜金）",
        "day_names": "月,火,水,木,金,土,日",
        "understood": "了解しました: {summary}",
        "understood_summary": "{days} {time}（{tz}）・トピック: {topics}",
        "understood_failed": "反映できなかったもの: {errors}",
        "not_understood": "「{text}」は分かりませんでした。例: 「毎朝8時にロボットのニュース」「時間 7:30」「ヘルプ」",
        "intent_applied": "「{command}」と理解しました: {reply}",
        "intent_confirm": ("「{command}」という意味ですか？ 5分以内に「はい」と返信すると反映します"
                           "（ほかの返信で取り消し）。"),
        "intent_nothing": "確認待ちのものはありません（確認は5分後か、次のメッセージで取り消されます）。",
        "internal": "こちら側で問題が起きました。設定は変わっていません。もう一度お試しください。",
        "subscribed": ("登録しました。毎日 {time}（{tz}）にダイジェストを届けます。"
                       "変更は「時間 8:00」「タイムゾーン Asia/Tokyo」で。"),
        "already_subscribed": "すでに登録済みです。毎日 {time}（{tz}）に届きます。",
        "unsubscribed": "登録を解除しました。再開するには「登録」と送ってください。",
        "not_subscribed": "ここでは登録されていません。「登録」と送ると始まります。",
        "time_set": "配信時刻を {time}（{tz}）にしました。次回: {next}",
        "tz_set": "タイムゾーンを {tz} にしました。配信は現地時刻の {time} です。次回: {next}",
        "topics_list": "あなたのトピック: {topics}。選べるトピック: {known}",
        "topics_none": "すべて",
        "topics_added": "{added} を追加しました。トピック: {topics}",
        "topics_removed": "{removed} を外しました。トピック: {topics}",
        "topics_clear": "トピックをクリアしました。すべてのトピックが届きます。",
        "sources_list": "ミュート中のソース: {muted}",
        "sources_none": "なし",
        "source_muted": "{source} をミュートしました。",
        "source_unmuted": "{source} のミュートを解除しました。",
        "source_not_muted": "{source} はミュートされていません。",
        "language_set": "言語を日本語にしました。",
        "items_set": "1回のダイジェストを{items}件にしました。",
        "minutes_set": "ダイジェストを約{minutes}分で読める量にしました。",
        "paused_days": "{until} まで一時停止します。早めに再開するには「再開」と送ってください。",
        "paused": "一時停止しました。「再開」で再開します。",
        "resumed": "再開しました。次回: {next}",
        "not_paused": "一時停止していません。次回: {next}",
        "now_queued": "今日のダイジェストを送ります。",
        "now_too_soon": "少し前に送ったばかりです。数分後にもう一度どうぞ。",
        "now_no_edition": "今日のダイジェストはまだできていません。しばらくしてからお試しください。",
        "now_nothing": "今日はお届けする記事がないため、送るものはありません。",
        "now_nothing_topics": (
            "今日の記事にはあなたのトピックに合うものがないため、送るものはありません。"
            "「トピック クリア」で全件に戻せます。"
        ),
        "now_unavailable": "ここではすぐに送る機能を使えません。",
        "hint_subscribe": "受け取るには「登録」と送ってください。",
        "next_none": "予定なし",
        "settings": (
            "状態: {status}\n配信時刻: {time}（{tz}）・{days}\n言語: {language}\nトピック: {topics}\n"
            "ミュート中のソース: {muted}\n読む時間: 約{minutes}分\n記事数: {items}\n次回: {next}"
        ),
        "status_active": "登録中",
        "status_paused": "{until} まで一時停止中",
        "status_paused_open": "一時停止中",
        "status_inactive": "未登録",
        "status_gone": "停止（{reason}）",
        "help": (
            "AIToday のコマンド:\n"
            "登録 — 毎日のダイジェストを開始（例: 登録）\n"
            "解除 — 配信をやめる（例: 解除）\n"
            "時間 — 配信時刻（例: 時間 7:30、時間 19時）\n"
            "タイムゾーン — 地域（例: タイムゾーン Asia/Tokyo）\n"
            "トピック — 好きなトピック（例: トピック 追加 robotics、トピック 削除 chips、トピック クリア）\n"
            "ソース — ソースをミュート（例: ソース ミュート OpenAI News）\n"
            "言語 — en か ja（例: 言語 ja）\n"
            "分 — 1回のダイジェストを読む時間 1〜30分（例: 分 10）\n"
            "件数 — 記事数 1〜20（例: 件数 8）\n"
            "曜日 — 配信する曜日（例: 平日、毎日、曜日 月,水,金）\n"
            "停止 — 一時停止（例: 停止 7日）・再開\n"
            "今すぐ — 今日のダイジェストを今すぐ（例: 今すぐ）\n"
            "設定 — 設定を表示（例: 設定）\n"
            "なぜ — 今日の記事を選んだ理由・いいね 2 / よくない 2 — 2番のような記事を増やす/減らす（👍/👎でも）\n"
            "ふつうの言葉でも: 「毎朝8時にロボットのニュース」「平日だけ」「記事を減らして」"
        ),
        "line_welcome": "AIToday へようこそ。その日のAIニュースを要約して毎朝お届けします。",
        "line_qr_time": "配信時刻",
        "line_qr_topics": "トピック",
        "line_qr_language": "English",
        "line_qr_today": "今日のダイジェスト",
        "tg_greeting": "AIToday へようこそ。その日のAIニュースを、1本ずつ3つの要点で短く届けます。",
        "tg_after_start": "/settings でトピック・時刻・言語を選べます。/help でコマンド一覧を表示します。",
        "tg_admins_only": "このグループの配信設定を変えられるのは管理者だけです。/settings と /help は使えます。",
        "tg_expired": "このボタンは使えなくなりました。/settings をもう一度送ってください。",
        "slack_who_changed": "<@{user}> さんがこのチャンネルのダイジェスト設定を変更しました: {text}",
        "slack_too_slow": "応答に時間がかかりすぎました。`/aitoday settings` で現在の設定を確認できます。",
        "slack_sorry": "こちら側で問題が起きました。もう一度お試しください。",
        "slack_press_again": "ボタンの操作を記録できませんでした。1分ほどしてからもう一度押してください。",
        "slack_needs_user": "このコマンドには Slack のユーザーとワークスペースが必要です。",
    },
}


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def t(language: str, message_id: str, /, **params: object) -> str:
    """Render ``message_id`` in ``language`` (falling back to English) with ``params``."""
    table: Mapping[str, str] = MESSAGES.get(language, MESSAGES["en"])
    template = table.get(message_id) or MESSAGES["en"].get(message_id, message_id)
    values = _Lenient({k: str(v) for k, v in params.items()})
    return string.Formatter().vformat(template, (), values)


def days_text(language: str, weekdays: Collection[int]) -> str:
    """The days a reader gets a digest on, as a reply says them: "every day", "Monday to Friday", "Mon, Wed"."""
    days = sorted(weekdays)
    if len(days) == 7:
        return t(language, "days_daily")
    if days == [0, 1, 2, 3, 4]:
        return t(language, "days_weekdays")
    names = t(language, "day_names").split(",")
    return ", ".join(names[day] for day in days)
