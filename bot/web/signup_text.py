"""The words of the email sign-up, confirm, preferences and unsubscribe pages, in English and Japanese.

Kept apart from the site copy (``bot.web.wording``) because these pages speak to one subscriber about their
own subscription. A key missing in Japanese falls back to English.
"""

from __future__ import annotations

__all__ = ["EMAIL_PAGE_TEXT", "email_text"]

EMAIL_PAGE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "check_title": "Check your inbox",
        "check_body": "If {address} can receive mail, a confirmation link is on its way. Nothing is sent "
                      "until you click it. The link works for 3 days.",
        "invalid_address_title": "That address doesn't look right",
        "invalid_address_body": "{reason} Please go back and check it.",
        "invalid_field_title": "Please check the form",
        "form_expired_title": "This form has expired",
        "form_expired_body": "Please reload the page and send the form again.",
        "too_many_title": "Too many sign-ups",
        "too_many_body": "We received many sign-ups from your network. Please try again in an hour.",
        "send_failed_title": "We couldn't send the confirmation mail",
        "send_failed_body": "Our mail server is not answering right now. Please try again in a few minutes.",
        "refused_title": "That address refused our mail",
        "refused_body": "The receiving mail server said the address cannot take mail. Please check it.",
        "confirmed_title": "You're subscribed",
        "confirmed_body": "Your first digest arrives at the next delivery time.",
        "manage": "Change your preferences",
        "link_invalid_title": "This link isn't valid",
        "link_invalid_body": "The link may be incomplete or changed. Please use the latest link from one of our "
                             "mails. Nothing was changed.",
        "link_expired_title": "This link has expired",
        "link_expired_body": "For your safety, links in our mails stop working after a while. Please use the link "
                             "in your latest digest, or sign up again from the home page. Nothing was changed.",
        "home": "Go to the home page",
        "fb_like_title": "More stories like this one?",
        "fb_dislike_title": "Fewer stories like this one?",
        "fb_body": "Press the button and your next digests lean towards what you like, a few places at a time.",
        "fb_story": "The story: “{title}”",
        "fb_like_button": "👍 More like this",
        "fb_dislike_button": "👎 Less like this",
        "fb_done_title": "Noted",
        "prefs_title": "Your digest preferences",
        "prefs_intro": "Changes apply from the next digest.",
        "time": "Delivery time",
        "timezone": "Time zone",
        "timezone_hint": "An IANA name such as Europe/London or Asia/Tokyo, or a city.",
        "language": "Language",
        "items": "Stories per digest (1–20)",
        "minutes": "Minutes of reading a day (1–30)",
        "topics": "Topics (none ticked: all topics)",
        "pause": "Pause",
        "pause_keep": "Keep as it is",
        "pause_resume": "Resume now",
        "pause_days": "Pause for {n} days",
        "save": "Save preferences",
        "saved": "Saved.",
        "nothing_changed": "Nothing changed.",
        "unsubscribe_link": "Unsubscribe",
        "unsub_title": "Unsubscribe from the AIToday digest?",
        "unsub_body": "Press the button to stop the daily digest at this address.",
        "unsub_button": "Unsubscribe",
        "unsub_done_title": "You're unsubscribed",
        "unsub_done_body": "No more digests will be sent to this address. You can sign up again at any time "
                           "from the home page.",
        "not_subscribed_title": "This subscription is not active",
        "not_subscribed_body": "There is nothing to change here. You can sign up again from the home page.",
        "queued_unsub_title": "We have your unsubscribe request",
        "queued_unsub_body": "Our database is briefly unavailable. Your request is saved and will be applied as "
                             "soon as it is back; no digest will be sent to this address after that.",
        "queued_prefs_title": "We have your changes",
        "queued_prefs_body": "Our database is briefly unavailable. Your changes are saved and will be applied "
                             "as soon as it is back.",
        "queued_fb_title": "We have your vote",
        "queued_fb_body": "Our database is briefly unavailable. Your vote is saved and will be counted as soon as "
                          "it is back; there is no need to press again.",
        "confirm_used_title": "This link was already used",
        "confirm_used_body": "This confirmation link has already been used, or your subscription changed after "
                             "it was sent, so it changes nothing now. Use the links in your latest mail to "
                             "manage your subscription.",
    },
    "ja": {
        "check_title": "受信箱をご確認ください",
        "check_body": "{address} 宛てに確認リンクをお送りしました。リンクをクリックするまで配信は始まりません。"
                      "リンクの有効期限は3日です。",
        "invalid_address_title": "メールアドレスを確認してください",
        "invalid_address_body": "{reason} 戻って入力内容をご確認ください。",
        "invalid_field_title": "入力内容を確認してください",
        "form_expired_title": "フォームの有効期限が切れました",
        "form_expired_body": "ページを再読み込みして、もう一度送信してください。",
        "too_many_title": "登録の試行が多すぎます",
        "too_many_body": "お使いのネットワークから多数の登録がありました。1時間ほどしてから再度お試しください。",
        "send_failed_title": "確認メールを送信できませんでした",
        "send_failed_body": "メールサーバーが応答していません。数分後にもう一度お試しください。",
        "refused_title": "このアドレスにはメールを送れません",
        "refused_body": "受信側のメールサーバーがこのアドレスを受け付けませんでした。アドレスをご確認ください。",
        "confirmed_title": "購読が完了しました",
        "confirmed_body": "次の配信時刻に最初のダイジェストが届きます。",
        "manage": "配信設定を変更する",
        "link_invalid_title": "このリンクは無効です",
        "link_invalid_body": "リンクが途中で切れているか、変更されている可能性があります。最新のメールのリンクを"
                             "お使いください。設定は変更されていません。",
        "link_expired_title": "このリンクは有効期限切れです",
        "link_expired_body": "安全のため、メール内のリンクは一定期間で無効になります。最新のダイジェストのリンクを"
                             "お使いいただくか、トップページから再度登録してください。設定は変更されていません。",
        "home": "トップページへ",
        "fb_like_title": "この記事のような記事を増やしますか？",
        "fb_dislike_title": "この記事のような記事を減らしますか？",
        "fb_body": "ボタンを押すと、次回からのダイジェストの並びが好みに合わせて少しずつ変わります。",
        "fb_story": "記事:「{title}」",
        "fb_like_button": "👍 似た記事をもっと",
        "fb_dislike_button": "👎 似た記事を減らす",
        "fb_done_title": "受け付けました",
        "prefs_title": "配信設定",
        "prefs_intro": "変更は次回のダイジェストから反映されます。",
        "time": "配信時刻",
        "timezone": "タイムゾーン",
        "timezone_hint": "Asia/Tokyo のような IANA 名、または都市名。",
        "language": "言語",
        "items": "1回あたりの記事数（1〜20）",
        "minutes": "1日に読む時間（分、1〜30）",
        "topics": "トピック（未選択ならすべて）",
        "pause": "一時停止",
        "pause_keep": "変更しない",
        "pause_resume": "今すぐ再開",
        "pause_days": "{n}日間停止",
        "save": "保存する",
        "saved": "保存しました。",
        "nothing_changed": "変更はありません。",
        "unsubscribe_link": "配信停止",
        "unsub_title": "AIToday のダイジェストを停止しますか？",
        "unsub_body": "ボタンを押すと、このアドレスへの毎日の配信を停止します。",
        "unsub_button": "配信を停止する",
        "unsub_done_title": "配信を停止しました",
        "unsub_done_body": "このアドレスにはダイジェストを送信しません。トップページからいつでも再登録できます。",
        "not_subscribed_title": "この購読は有効ではありません",
        "not_subscribed_body": "変更できる設定はありません。トップページから再度登録できます。",
        "queued_unsub_title": "配信停止のご依頼を受け付けました",
        "queued_unsub_body": "データベースが一時的に利用できません。ご依頼は保存済みで、復旧しだい反映されます。"
                             "反映後はこのアドレスにダイジェストを送信しません。",
        "queued_prefs_title": "変更を受け付けました",
        "queued_prefs_body": "データベースが一時的に利用できません。変更は保存済みで、復旧しだい反映されます。",
        "queued_fb_title": "評価を受け付けました",
        "queued_fb_body": "データベースが一時的に利用できません。評価は保存済みで、復旧しだい反映されます。"
                          "もう一度押す必要はありません。",
        "confirm_used_title": "このリンクは使用済みです",
        "confirm_used_body": "この確認リンクはすでに使用されたか、送信後に購読内容が変更されたため、"
                             "現在は何も変更しません。最新のメールのリンクから設定を管理してください。",
    },
}


def email_text(language: str) -> dict[str, str]:
    return EMAIL_PAGE_TEXT["en"] | EMAIL_PAGE_TEXT.get(language, {})
