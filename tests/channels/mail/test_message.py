"""The received digest, parsed with the standard library: structure, bulk headers, DKIM and safe HTML."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import dkim
import pytest

from channels.base import Delivery, Recipient, TransientError
from channels.mail.channel import MailChannel, MailConfig, SmtpConfig
from channels.mail.message import DkimKey
from channels.mail.render import MailLinks, render_digest
from tests.sample_edition import sample_edition
from tests.stubs.smtp import ScriptedSmtp

from .conftest import MAIL_FROM, DkimPair

UNSUBSCRIBE = "https://news.example.com/unsubscribe/tok.en-_1"
MAILTO = "mailto:digest@news.example.com?subject=unsubscribe%20tok.en-_1"


def _links(recipient: Recipient, edition: object) -> MailLinks:
    return MailLinks(
        view_url="https://news.example.com/editions/2026-11-27",
        preferences_url="https://news.example.com/preferences/pref-tok",
        unsubscribe_url=UNSUBSCRIBE,
        unsubscribe_mailto=MAILTO,
    )


def _channel(server: ScriptedSmtp, tmp_path: Path, dkim_key: DkimKey | None = None) -> MailChannel:
    return MailChannel(
        MailConfig(
            mail_from=MAIL_FROM, public_url="https://news.example.com", outbox_dir=tmp_path / "outbox",
            smtp=SmtpConfig(host=server.host, port=server.port, starttls=False, timeout=5), dkim=dkim_key,
        ),
        links=_links,
    )


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _delivery(address: str = "reader@example.org", delivery_id: str = "sub1:2026-11-27:0730") -> Delivery:
    return Delivery(delivery_id, Recipient("email", address), sample_edition())


async def test_digest_structure_and_bulk_headers(smtp_server: ScriptedSmtp, tmp_path: Path) -> None:
    channel = _channel(smtp_server, tmp_path)
    await channel.send(_delivery())
    await channel.aclose()
    message = _parse(smtp_server.messages[0][2])
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>, <{MAILTO}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Precedence"] == "bulk"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] is not None and message["Date"].datetime is not None
    assert message["To"] == "reader@example.org"
    subject = str(message["Subject"])
    assert "27 Nov 2026" in subject and "OpenAI releases GPT-6" in subject
    text = message.get_body(("plain",))
    assert text is not None
    plain = text.get_content()
    assert "What happened: OpenAI released GPT-6" in plain
    assert "Unsubscribe: " + UNSUBSCRIBE in plain


async def test_message_id_is_stable_across_a_retry(smtp_server: ScriptedSmtp, tmp_path: Path) -> None:
    smtp_server.data_reply[:] = ["451 4.3.0 try again", "250 OK", "250 OK", "250 OK"]
    channel = _channel(smtp_server, tmp_path)
    with pytest.raises(TransientError):
        await channel.send(_delivery())
    first = await channel.send(_delivery())
    second = await channel.send(_delivery())  # a duplicate send after an ambiguous failure
    other = await channel.send(_delivery(delivery_id="sub1:2026-11-28:0730"))
    await channel.aclose()
    received = [_parse(raw)["Message-ID"] for _, _, raw in smtp_server.messages]
    assert received[0] == received[1] == first.provider_message_id == second.provider_message_id
    assert received[2] == other.provider_message_id != received[0]


async def test_dkim_signature_covers_both_list_unsubscribe_headers(
    smtp_server: ScriptedSmtp, tmp_path: Path, dkim_pair: DkimPair
) -> None:
    key = DkimKey(dkim_pair.selector, dkim_pair.domain, dkim_pair.private_pem)
    channel = _channel(smtp_server, tmp_path, key)
    await channel.send(_delivery())
    await channel.aclose()
    raw = smtp_server.messages[0][2]
    assert dkim.verify(raw, dnsfunc=dkim_pair.dns) is True
    signature = _parse(raw)["DKIM-Signature"]
    signed = {h.strip().lower() for h in re.search(r"h=([^;]+)", str(signature)).group(1).split(":")}  # type: ignore[union-attr]
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject", "message-id"} <= signed
    tampered = raw.replace(UNSUBSCRIBE.encode(), b"https://evil.example/unsubscribe/x")
    assert dkim.verify(tampered, dnsfunc=dkim_pair.dns) is False


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((name, value or "") for name, value in attrs)


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_html_carries_no_script_handlers_or_javascript_urls(
    smtp_server: ScriptedSmtp, tmp_path: Path, language: str
) -> None:
    edition = sample_edition(language)
    hostile = replace(edition.stories[0], url="javascript:alert(1)", title='<img src=x onerror="alert(1)">Hi')
    edition = replace(edition, stories=(hostile, *edition.stories[1:]))
    channel = _channel(smtp_server, tmp_path)
    await channel.send(Delivery("d1", Recipient("email", "reader@example.org", language), edition))
    await channel.aclose()
    part = _parse(smtp_server.messages[0][2]).get_body(("html",))
    assert part is not None
    html = part.get_content()
    assert "<script" not in html.lower()
    assert re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE) is None
    assert "javascript:" not in html.lower()
    parsed = _Collect()
    parsed.feed(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not [name for name, _ in parsed.attrs if name.lower().startswith("on")]
    hrefs = [value for name, value in parsed.attrs if name == "href"]
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    # the hostile text is shown as text, escaped
    assert "Boston Dynamics shows Atlas sorting parcels" in html
    assert "&lt;!channel&gt;" in html or "!channel" not in html


def test_render_has_every_card_element_and_labels() -> None:
    edition = sample_edition()
    mail = render_digest(edition, "en", _links(Recipient("email", "a@b.c"), edition))
    assert mail.html.count('class="card"') == len(edition.stories)
    for label in ("What happened:", "Why it matters:", "What to watch:"):
        assert mail.html.count(label) == len(edition.stories)
    assert "Also covered by Outlet 0, Outlet 1, Outlet 2<" in mail.html and "Also covered by Outlet 0<" in mail.html
    assert "OpenAI · Jane Doe · 2h ago · 3 min read" in mail.html
    assert 'href="https://news.example.com/editions/2026-11-27"' in mail.html
    assert 'href="https://news.example.com/preferences/pref-tok"' in mail.html
    assert "prefers-color-scheme: dark" in mail.html  # dark-mode block kept for clients that honour it
    assert 'style="' in mail.html  # the rest inlined for clients that drop <style>
    ja = render_digest(sample_edition("ja"), "ja", _links(Recipient("email", "a@b.c"), edition))
    assert "何が起きたか" in ja.html and "2026年11月27日" in ja.subject


async def test_without_smtp_each_mail_is_one_eml_file_in_the_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    channel = MailChannel(MailConfig(mail_from=MAIL_FROM, public_url="https://news.example.com", outbox_dir=outbox),
                          links=_links)
    receipt = await channel.send(_delivery())
    await channel.send(_delivery())  # a retried delivery replaces its own file
    await channel.send(_delivery("other@example.org", "sub2:2026-11-27:0730"))
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    messages = [_parse(f.read_bytes()) for f in files]
    assert receipt.provider_message_id in {m["Message-ID"] for m in messages}
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in messages)


async def test_plain_fallback_sends_text_only(tmp_path: Path) -> None:
    channel = MailChannel(MailConfig(mail_from=MAIL_FROM, public_url="https://n.example", outbox_dir=tmp_path),
                          links=_links)
    await channel.send(replace(_delivery(), plain=True))
    message = _parse(next(tmp_path.glob("*.eml")).read_bytes())
    assert message.get_content_type() == "text/plain"
