"""A local stand-in of an OpenAI-compatible chat-completions API, answering like the real one.

``POST /v1/chat/completions`` checks ``Authorization: Bearer <key>`` (401 with OpenAI's error body
otherwise) and a ``model`` and ``messages`` in the body (400 otherwise), then answers by the next scripted
behaviour (``script(...)``), or ``good`` when nothing is scripted:

* ``good`` — a faithful card built from the article's own sentences (English), or, when the system prompt
  asks for Japanese, a Japanese card that names the article's title;
* ``invented`` — a well-formed card whose *why it matters* carries a number the article does not have;
* ``wrong_article`` — a faithful-looking card about another story, with another article id;
* ``preamble`` — "Let me think about this article…" before the JSON;
* ``broken`` — JSON cut off in the middle;
* ``slow`` — a good answer after ``slow_seconds`` (longer than the client's timeout in tests);
* ``429`` — rate limited, with ``retry-after-ms``/``retry-after`` headers (``retry_after_ms``) and OpenAI's body;
* ``500`` / ``503`` — server error with OpenAI's body.

A request whose user message is ``{"message": ...}`` is the bot's intent prompt (``bot.conversation.intent``):
the same behaviours apply (``broken`` cuts the JSON, ``preamble`` prefixes it, errors and ``slow`` as above),
and ``good`` answers with the next scripted intent (``intent(...)`` for a JSON object, ``intent_raw(...)`` for
any text), or ``{"command": "none", ...}`` when none is scripted.

Every request is recorded in ``requests``; usage tokens are counted like the API reports them.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["OpenAIStub"]

_ERRORS: dict[int, dict[str, Any]] = {
    401: {"message": "Incorrect API key provided: sk-wr***. You can find your API key at "
                     "https://platform.openai.com/account/api-keys.",
          "type": "invalid_request_error", "param": None, "code": "invalid_api_key"},
    400: {"message": "you must provide a model parameter", "type": "invalid_request_error", "param": None,
          "code": None},
    429: {"message": "Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): "
                     "Limit 3, Used 3, Requested 1. Please try again in 20ms.",
          "type": "requests", "param": None, "code": "rate_limit_exceeded"},
    500: {"message": "The server had an error while processing your request. Sorry about that!",
          "type": "server_error", "param": None, "code": None},
    503: {"message": "The engine is currently overloaded, please try again later.", "type": "server_error",
          "param": None, "code": None},
}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|(?<=。)", text) if len(s.split()) >= 3 or "。" in s]


@dataclass
class OpenAIStub:
    """State and behaviour of the stand-in; serve ``app`` with ``tests.stubs.loopback.serve``."""

    api_key: str = "sk-test-key"
    slow_seconds: float = 2.0
    retry_after_ms: int = 20
    queue: deque[str] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    intents: deque[str] = field(default_factory=deque)

    def script(self, *behaviours: str) -> None:
        """Answer the next requests with these behaviours, in order."""
        self.queue.extend(behaviours)

    def intent(self, command: str, args: str = "", confidence: float = 0.9) -> None:
        """Answer the next intent prompt with this reading."""
        self.intents.append(json.dumps({"command": command, "args": args, "confidence": confidence},
                                       ensure_ascii=False))

    def intent_raw(self, content: str) -> None:
        """Answer the next intent prompt with exactly this text."""
        self.intents.append(content)

    @property
    def intent_messages(self) -> list[str]:
        """The reader's messages the intent prompts carried, in order."""
        return [json.loads(r["messages"][-1]["content"])["message"] for r in self.requests
                if "message" in json.loads(r["messages"][-1]["content"])]

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])])

    async def _completions(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": _ERRORS[401]}, status_code=401)
        body = await request.json()
        if not body.get("model") or not body.get("messages"):
            return JSONResponse({"error": _ERRORS[400]}, status_code=400)
        self.requests.append(body)
        behaviour = self.queue.popleft() if self.queue else "good"
        if behaviour in ("429",):
            headers = {"retry-after-ms": str(self.retry_after_ms), "retry-after": "1",
                       "x-ratelimit-remaining-requests": "0"}
            return JSONResponse({"error": _ERRORS[429]}, status_code=429, headers=headers)
        if behaviour in ("500", "503"):
            return JSONResponse({"error": _ERRORS[int(behaviour)]}, status_code=int(behaviour))
        if behaviour == "slow":
            await asyncio.sleep(self.slow_seconds)
        system = str(body["messages"][0]["content"])
        user = json.loads(body["messages"][-1]["content"])
        if "message" in user:
            content = self._intent_answer(behaviour)
        else:
            content = self._answer(behaviour, user, japanese="Write in Japanese" in system)
        prompt_tokens = sum(len(str(m["content"])) for m in body["messages"]) // 4
        completion_tokens = len(content) // 4
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens},
            }
        )

    def _intent_answer(self, behaviour: str) -> str:
        text = self.intents.popleft() if self.intents else '{"command": "none", "args": "", "confidence": 0}'
        if behaviour == "preamble":
            return "Sure! Here is the command.\n" + text
        if behaviour == "broken":
            return text[: len(text) // 2]
        return text

    def _answer(self, behaviour: str, user: dict[str, str], *, japanese: bool) -> str:
        sentences = _sentences(user["text"]) or [user["title"] + "."]
        while len(sentences) < 3:
            sentences.append(sentences[-1])
        card = {
            "article_id": user["article_id"],
            "gist": sentences[0][:200],
            "what_happened": sentences[0],
            "why_it_matters": sentences[1],
            "what_to_watch": sentences[2],
        }
        if japanese:
            card.update(
                gist=f"{user['title']}が発表された。",
                what_happened=f"{user['source']}が「{user['title']}」を発表した。",
                why_it_matters="利用者や開発者への影響が大きい発表だ。",
                what_to_watch="今後の提供範囲と評価が注目される。",
            )
        if behaviour == "invented":
            card["why_it_matters"] = "The launch lifted revenue by 73% to $9.4 billion in one quarter."
        if behaviour == "wrong_article":
            card = {
                "article_id": "0123456789",
                "gist": "The city council approved a new bus lane on the high street.",
                "what_happened": "The city council approved a new bus lane on the high street.",
                "why_it_matters": "Commuters have waited for faster buses for years.",
                "what_to_watch": "Work on the lane begins after the summer holidays.",
            }
        text = json.dumps(card, ensure_ascii=False)
        if behaviour == "preamble":
            return "Let me think about this article. The key facts are clear.\n" + text
        if behaviour == "broken":
            return text[: len(text) // 2]
        return text
