"""An OpenAI-compatible chat-completions server on 127.0.0.1 for the LLM summariser tests.

It speaks the wire format of `POST /v1/chat/completions`: it checks the request exactly
(`Authorization: Bearer <key>`, a JSON body of `{model, messages: [{role, content}],
max_tokens, temperature}` and nothing else) and answers like the real API
(`{id, object: "chat.completion", created, model, choices: [{index, message: {role:
"assistant", content}, finish_reason}], usage: {prompt_tokens, completion_tokens,
total_tokens}}`), or with OpenAI's error envelope for a bad request or key.

Every request is recorded (`server.seen`). What the next requests get is scripted with
`server.queue(...)` (one `Reply` per request, in order) and `server.default` after that: an
HTTP error (with Retry-After), a slow answer, a body that is not JSON, a JSON body of the
wrong shape, or a chosen answer text or token count. The answer text defaults to
`answer_for(title)`, the title being read from the prompt's `Title:` line.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

REQUEST_KEYS = {"model", "messages", "max_tokens", "temperature"}
ROLES = {"system", "user", "assistant"}


def answer_for(title: str) -> str:
    return f"The story, in brief: {title}."


@dataclass(frozen=True)
class Reply:
    status: int = 200
    retry_after: str | None = None
    delay_s: float = 0.0  # wait before answering (a slow model)
    raw: bytes | None = None  # a 200 body sent as is (malformed JSON, wrong shape)
    content: str | None = None  # the answer text instead of answer_for(title)
    message: dict[str, Any] | None = None  # choices[0].message instead of the usual one
    total_tokens: int | None = None  # usage.total_tokens instead of the character estimate
    usage: bool = True  # False: the answer has no usage object


@dataclass
class Seen:
    headers: dict[str, str]
    body: Any  # the parsed JSON body (None when it was not JSON)
    problems: list[str]  # ways the request broke the wire format ([] when well formed)
    answered: int  # HTTP status sent back


@dataclass
class OpenAIServer:
    api_key: str = "sk-test-server-key"
    model: str = "tiny-test-model"
    default: Reply = field(default_factory=Reply)
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    _script: deque[Reply] = field(default_factory=deque)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def queue(self, *replies: Reply) -> None:
        self._script.extend(replies)

    def reset(self) -> None:
        self.default = Reply()
        self.seen.clear()
        self._script.clear()

    @property
    def problems(self) -> list[str]:
        return [p for s in self.seen for p in s.problems]

    def check(self, request: web.Request, body: Any) -> tuple[int, list[str]]:
        """HTTP status for a request (200 when well formed) and what is wrong with it."""
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, ["Authorization is not 'Bearer <the key>'"]
        problems: list[str] = []
        if request.headers.get("Content-Type", "").split(";")[0] != "application/json":
            problems.append("Content-Type is not application/json")
        if not isinstance(body, dict):
            return 400, [*problems, "body is not a JSON object"]
        if set(body) != REQUEST_KEYS:
            problems.append(f"body keys {sorted(body)} != {sorted(REQUEST_KEYS)}")
        if body.get("model") != self.model:
            return 404, [*problems, f"unknown model {body.get('model')!r}"]
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            problems.append("messages is not a non-empty list")
        else:
            for m in messages:
                if not (
                    isinstance(m, dict)
                    and set(m) == {"role", "content"}
                    and m["role"] in ROLES
                    and isinstance(m["content"], str)
                ):
                    problems.append(f"bad message {m!r}")
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            problems.append("max_tokens is not a positive integer")
        temperature = body.get("temperature")
        if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
            problems.append("temperature is not a number in [0, 2]")
        return (400 if problems else 200), problems

    async def completions(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        status, problems = self.check(request, body)
        seen = Seen(dict(request.headers), body, problems, status)
        self.seen.append(seen)
        if status != 200:
            return error_response(status, "; ".join(problems))
        reply = self._script.popleft() if self._script else self.default
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        seen.answered = reply.status
        if reply.status != 200:
            headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
            return error_response(reply.status, "scripted failure", headers)
        if reply.raw is not None:
            return web.Response(body=reply.raw, content_type="application/json")
        return web.json_response(self.completion(body, reply))

    def completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        user = body["messages"][-1]["content"]
        found = re.search(r"^Title: (.*)$", user, flags=re.MULTILINE)
        content = (
            reply.content if reply.content is not None else answer_for(found[1] if found else "")
        )
        message = reply.message or {"role": "assistant", "content": content}
        prompt_tokens = math.ceil(sum(len(m["content"]) for m in body["messages"]) / 4)
        completion_tokens = math.ceil(len(content) / 4)
        answer: dict[str, Any] = {
            "id": f"chatcmpl-{len(self.seen)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
        if reply.usage:
            total = reply.total_tokens
            answer["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens if total is None else total,
            }
        return answer


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    kind = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}
    payload = {
        "error": {
            "message": message,
            "type": "invalid_request_error" if status < 500 else "server_error",
            "param": None,
            "code": kind.get(status),
        }
    }
    return web.json_response(payload, status=status, headers=headers)


class ServerThread:
    """Runs an `OpenAIServer` on its own event loop in a daemon thread."""

    def __init__(self, server: OpenAIServer) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", server.completions)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="openai-test-server", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("OpenAI test server did not start")

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._setup())
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    async def _setup(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.server.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        async def cleanup() -> None:
            await self._runner.cleanup()
            # slow answers still sleeping for clients that gave up
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
