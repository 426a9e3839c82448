"""Digest mails: render + MIME build cost, and send throughput through the pooled SMTP transport. ONE JSON object.

    python bench/mail_send.py [--mails 300] [--pool 2]

A real aiosmtpd server on loopback (the test stand-in, answering 250) receives ``--mails`` personalised
digests of the sample edition (8 stories, hostile text included), sent concurrently through one
``MailChannel`` whose pool holds ``--pool`` connections; the same run is repeated with DKIM signing on (a
2048-bit RSA key made with openssl, when it is installed). Figures: render+build milliseconds per mail
(median, p95), mails per second end to end, connections opened (reuse shows as a number equal to the pool).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from channels.base import Delivery, Recipient  # noqa: E402
from channels.mail.channel import MailChannel, MailConfig, SmtpConfig  # noqa: E402
from channels.mail.message import DkimKey, MailIdentity, build_digest  # noqa: E402
from channels.mail.render import MailLinks, render_digest  # noqa: E402
from tests.sample_edition import sample_edition  # noqa: E402
from tests.stubs.smtp import scripted_smtp  # noqa: E402

_FROM = "AIToday <digest@news.example.com>"


def _links(recipient: Recipient, edition: Any) -> MailLinks:
    return MailLinks(
        view_url="https://news.example.com/editions/2026-11-27",
        preferences_url=f"https://news.example.com/preferences/{recipient.address}",
        unsubscribe_url=f"https://news.example.com/unsubscribe/{recipient.address}",
        unsubscribe_mailto="mailto:digest@news.example.com?subject=unsubscribe",
    )


def _dkim_key() -> DkimKey | None:
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    pem = subprocess.run([openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
                         check=True, capture_output=True).stdout
    return DkimKey("bench", "news.example.com", pem)


def _build_costs(n: int, key: DkimKey | None) -> list[float]:
    edition = sample_edition()
    sender = MailIdentity(_FROM)
    costs = []
    for i in range(n):
        recipient = Recipient("email", f"reader{i}@example.org")
        start = time.perf_counter()
        links = _links(recipient, edition)
        mail = render_digest(edition, "en", links)
        build_digest(mail, sender=sender, to=recipient.address, delivery_id=f"d{i}", links=links,
                     when=datetime.now(UTC), dkim_key=key)
        costs.append((time.perf_counter() - start) * 1000)
    return costs


async def _send(n: int, pool: int, key: DkimKey | None) -> dict[str, Any]:
    edition = sample_edition()
    with scripted_smtp() as server, tempfile.TemporaryDirectory() as tmp:
        channel = MailChannel(MailConfig(mail_from=_FROM, public_url="https://news.example.com",
                                         outbox_dir=Path(tmp), dkim=key,
                                         smtp=SmtpConfig(host=server.host, port=server.port, starttls=False,
                                                         pool_size=pool)), links=_links)
        start = time.perf_counter()
        await asyncio.gather(*(channel.send(Delivery(f"d{i}", Recipient("email", f"reader{i}@example.org"),
                                                     edition)) for i in range(n)))
        elapsed = time.perf_counter() - start
        opened = channel.pool.connections_opened if channel.pool else 0
        await channel.aclose()
        return {"mails_per_second": round(n / elapsed, 1), "received": len(server.messages),
                "connections_opened": opened, "mean_bytes": round(statistics.mean(len(m[2]) for m in server.messages))}


def _summary(costs: list[float]) -> dict[str, float]:
    ordered = sorted(costs)
    return {"median_ms": round(statistics.median(ordered), 2), "p95_ms": round(ordered[int(len(ordered) * 0.95)], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--pool", type=int, default=2)
    args = parser.parse_args()
    key = _dkim_key()
    result: dict[str, Any] = {
        "mails": args.mails,
        "pool": args.pool,
        "render_build": _summary(_build_costs(min(args.mails, 200), None)),
        "send": asyncio.run(_send(args.mails, args.pool, None)),
    }
    if key is not None:
        result["render_build_dkim"] = _summary(_build_costs(min(args.mails, 100), key))
        result["send_dkim"] = asyncio.run(_send(args.mails, args.pool, key))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
