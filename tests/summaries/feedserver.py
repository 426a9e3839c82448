"""A real HTTP server on loopback that answers like feed hosts do, good and bad.

Routes are registered per test: a static document (with ETag/Last-Modified and conditional GET), or any
aiohttp handler (redirects, drips, bombs, stalls). Hits are counted per path so tests can assert what a
client did, e.g. that a refused address was never contacted.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable
from email.utils import formatdate

from aiohttp import web

__all__ = ["FeedServer", "Handler"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FeedServer:
    """``async with FeedServer() as server``; ``server.url("/x")`` is ``http://<host>:<port>/x``."""

    def __init__(self, host_name: str = "127.0.0.1") -> None:
        self.host_name = host_name
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[web.Request] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> FeedServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def url(self, path: str) -> str:
        return f"http://{self.host_name}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def document(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "application/xml",
        validators: bool = True,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve ``body`` with an ETag and Last-Modified, answering conditional GETs with 304."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = formatdate(1_700_000_000, usegmt=True)

        async def handler(request: web.Request) -> web.StreamResponse:
            if validators and (
                request.headers.get("If-None-Match") == etag or request.headers.get("If-Modified-Since") == modified
            ):
                return web.Response(status=304, headers={"ETag": etag})
            extra = {"ETag": etag, "Last-Modified": modified} if validators else {}
            extra.update(headers or {})
            return web.Response(body=body, headers={"Content-Type": content_type, **extra})

        return self.route(path, handler)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.requests.append(request)
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)
