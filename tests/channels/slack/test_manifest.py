"""The app manifest asks for exactly what the code uses: the scopes, the slash command, the events, one URL."""

from __future__ import annotations

from pathlib import Path

import yaml

from channels.slack.inbound import BOT_SCOPES

MANIFEST = Path(__file__).resolve().parents[3] / "deploy" / "slack-manifest.yml"


def test_manifest_matches_the_app() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/aitoday"
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "app_uninstalled", "tokens_revoked"}
    urls = {command["url"], settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]}
    assert {u.split("://", 1)[1].split("/", 1)[1] for u in urls} == {"slack/events"}
    assert manifest["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
    # Sign in with Slack (bot/web/slack_login.py): its callback and the OpenID scopes it asks for
    assert manifest["oauth_config"]["redirect_urls"][1].endswith("/login/slack/callback")
    assert manifest["oauth_config"]["scopes"]["user"] == ["openid", "profile"]
