"""https through the fetcher's own TCP/TLS layer, against a loopback server with a throwaway certificate."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from summaries.errors import ConnectFailed
from summaries.fetch import Fetcher
from summaries.ssrf import AddressPolicy
from tests.summaries.conftest import TEST_LIMITS

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>tls</title></channel></rss>'


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
async def tls_url(certificate: tuple[Path, Path]) -> AsyncIterator[str]:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    app = web.Application()

    async def feed(_request: web.Request) -> web.Response:
        return web.Response(body=RSS, headers={"Content-Type": "application/rss+xml", "ETag": '"tls"'})

    app.router.add_get("/feed", feed)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"https://127.0.0.1:{port}/feed"
    await runner.cleanup()


async def test_https_with_a_trusted_certificate(tls_url: str, certificate: tuple[Path, Path]) -> None:
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), TEST_LIMITS, ssl_context=trust) as fetcher:
        first = await fetcher.fetch(tls_url)
        again = await fetcher.fetch(tls_url)  # over the kept-alive TLS connection
    assert first.body == RSS == again.body and first.etag == '"tls"'


async def test_an_untrusted_certificate_is_a_connect_failure(tls_url: str) -> None:
    async with Fetcher(AddressPolicy.from_allow_list(["127.0.0.1"]), TEST_LIMITS) as fetcher:
        with pytest.raises(ConnectFailed, match="CERTIFICATE_VERIFY_FAILED"):
            await fetcher.fetch(tls_url)
