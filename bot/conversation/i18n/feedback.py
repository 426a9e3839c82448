"""The sentences of feedback (👍/👎) and ``why``, in English and Japanese (merged into ``MESSAGES``)."""

from __future__ import annotations

__all__ = ["FEEDBACK_MESSAGES"]

FEEDBACK_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "story_ref_invalid": "“{value}” is not a story: use its number in today's digest.",
        "story_number_range": "Your digest has {count} stories; story {number} is not one of them.",
        "story_gone": "That story is no longer in a recent edition, so nothing changed.",
        "feedback_unavailable": "Feedback is not available here.",
        "liked": "👍 Noted: more like “{title}” ({source} · {topic}). Send “why” to see how it shapes your digest.",
        "liked_again": "👍 You already liked “{title}”; nothing changed.",
        "disliked": "👎 Noted: less like “{title}” ({source} · {topic}). To hide {source}: “sources mute {source}”.",
        "disliked_again": "👎 You already disliked “{title}”; nothing changed.",
        "why_nothing": "No digest yet today, so nothing to explain. Send “now” to get one.",
        "why_header": "Why these stories ({day}):",
        "why_footer": "Steer it: “like 2” / “dislike 2”, or 👍/👎 on a card.",
        "why_liked_source": "from a source you liked",
        "why_liked_topic": "on a topic you liked",
        "why_outlets": "{count} outlets covered it",
        "why_top": "today's top story",
        "why_ranked": "#{rank} in today's edition",
    },
    "ja": {
        "story_ref_invalid": "「{value}」は記事の番号ではありません。今日のダイジェストの番号で指定してください。",
        "story_number_range": "ダイジェストの記事は{count}本です。{number}番はありません。",
        "story_gone": "その記事は最近の版にもうないため、何も変わっていません。",
        "feedback_unavailable": "ここでは評価を使えません。",
        "liked": ("👍 了解しました。「{title}」（{source}・{topic}）のような記事を増やします。"
                  "「なぜ」で選んだ理由を表示します。"),
        "liked_again": "👍 「{title}」はすでに高評価済みです。変更はありません。",
        "disliked": ("👎 了解しました。「{title}」（{source}・{topic}）のような記事を減らします。"
                     "{source}を表示しないには「ソース ミュート {source}」。"),
        "disliked_again": "👎 「{title}」はすでに低評価済みです。変更はありません。",
        "why_nothing": "今日のダイジェストはまだないため、説明できるものがありません。「今すぐ」で受け取れます。",
        "why_header": "この記事を選んだ理由（{day}）:",
        "why_footer": "調整するには「いいね 2」「よくない 2」、またはカードの👍/👎。",
        "why_liked_source": "高評価したソースから",
        "why_liked_topic": "高評価したトピック",
        "why_outlets": "{count}社が報道",
        "why_top": "今日のトップ記事",
        "why_ranked": "今日の版で{rank}位",
    },
}
