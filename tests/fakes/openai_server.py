"""A fake OpenAI chat completions server (the wire format the official client speaks).

Routes: POST /v1/chat/completions, GET /v1/models, GET /v1/models/{id}. Replies
come from a queue (``queue(ChatReply(...), ErrorReply(429), ...)``) and, once the
queue is empty, from a well-behaved default director that applies the instruction
to the original prompt and keeps the perfume name. Every request is recorded.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes._http import FakeHTTPServer, Recorded, Response


@dataclass
class ChatReply:
    """A 200 chat completion. ``content`` is the assistant message text, sent as is."""

    content: str | None
    prompt_tokens: int = 420
    completion_tokens: int = 95
    finish_reason: str = "stop"
    include_usage: bool = True
    refusal: str | None = None
    delay: float = 0.0

    @classmethod
    def edit(cls, modified_prompt: str, changes_summary: str = "Adjusted the scene.", **kw: Any) -> ChatReply:
        """A reply whose content is the JSON object the editor expects."""
        body = {"modified_prompt": modified_prompt, "changes_summary": changes_summary}
        return cls(json.dumps(body), **kw)


@dataclass
class ErrorReply:
    """An API error in OpenAI's shape: ``{"error": {"message", "type", "code"}}``."""

    status: int
    message: str = "The server had an error while processing your request."
    type: str = "server_error"
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after_ms: int = 20) -> ErrorReply:
        return cls(
            429,
            "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.",
            type="requests",
            code="rate_limit_exceeded",
            headers={"retry-after-ms": str(retry_after_ms)},
        )


Reply = ChatReply | ErrorReply | Callable[[dict[str, Any]], "ChatReply | ErrorReply"]
_ids = itertools.count(1)


def scene_data(request: dict[str, Any]) -> dict[str, Any]:
    """The JSON data the editor put in its user message (inside <scene_data>), or {}."""
    for msg in request.get("messages", []):
        if msg.get("role") == "user":
            m = re.search(r"<scene_data>\s*(\{.*\})\s*</scene_data>", msg.get("content") or "", re.S)
            if m:
                return json.loads(m.group(1))
    return {}


def director_reply(request: dict[str, Any]) -> ChatReply:
    """A well-behaved model: applies the instruction, keeps the perfume, adds cinematography."""
    data = scene_data(request)
    original = str(data.get("original_prompt", "A perfume bottle on black velvet")).rstrip(". ")
    instruction = str(data.get("edit_instruction", "")).strip().rstrip(".")
    perfume = str(data.get("perfume_name", "the perfume"))
    change = instruction[:1].lower() + instruction[1:] if instruction else "refined lighting"
    prompt = (
        f"{original}. Now {change}; {perfume} stays centered and in sharp focus, "
        "soft key light with a warm rim, slow dolly-in, vertical 9:16 framing."
    )
    summary = f"Applied the requested change ({change[:80]}). Composition, role and timing are unchanged."
    words = sum(len(str(m.get("content", ""))) for m in request.get("messages", [])) // 4
    return ChatReply.edit(prompt, summary, prompt_tokens=max(words, 1), completion_tokens=len(prompt) // 4)


class FakeOpenAI(FakeHTTPServer):
    """OpenAI-compatible server on 127.0.0.1; set OPENAI_BASE_URL to ``base_url``."""

    def __init__(
        self,
        *,
        api_key: str | None = "sk-test-atelier",
        models: tuple[str, ...] = ("gpt-4o-mini",),
        default: Callable[[dict[str, Any]], ChatReply | ErrorReply] | None = director_reply,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.models = models
        self.default = default
        self.script: deque[Reply] = deque()
        self.usages: list[dict[str, int]] = []  # usage of every 200 completion sent

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def queue(self, *replies: Reply) -> FakeOpenAI:
        with self.lock:
            self.script.extend(replies)
        return self

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests_to("POST", "/v1/chat/completions")]

    # Routing ----------------------------------------------------------------
    def route(self, req: Recorded) -> Response:
        if self.api_key is not None and req.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(
                ErrorReply(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
            )
        if req.method == "POST" and req.path == "/v1/chat/completions":
            return self._chat(req)
        if req.method == "GET" and req.path == "/v1/models":
            data = [_model(m) for m in self.models]
            return Response(200, {"object": "list", "data": data})
        if req.method == "GET" and req.path.startswith("/v1/models/"):
            name = req.path.removeprefix("/v1/models/")
            if name in self.models:
                return Response(200, _model(name))
            return _error(ErrorReply(404, f"The model '{name}' does not exist", "invalid_request_error",
                                     "model_not_found"))  # fmt: skip
        return _error(ErrorReply(404, f"Unknown path {req.path}", "invalid_request_error"))

    def _chat(self, req: Recorded) -> Response:
        body = req.json or {}
        with self.lock:
            reply: Reply | None = self.script.popleft() if self.script else self.default
        if reply is None:
            return _error(ErrorReply(500, "fake OpenAI has no reply queued"))
        if callable(reply):
            reply = reply(body)
        if isinstance(reply, ErrorReply):
            return _error(reply)
        usage = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        }
        payload: dict[str, Any] = {
            "id": f"chatcmpl-fake{next(_ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "gpt-4o-mini"),
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content, "refusal": reply.refusal},
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
        }
        if reply.include_usage:
            payload["usage"] = usage
            with self.lock:
                self.usages.append(usage)
        return Response(200, payload, delay=reply.delay, headers={"x-request-id": payload["id"]})


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1721172741, "owned_by": "system"}


def _error(e: ErrorReply) -> Response:
    body = {"error": {"message": e.message, "type": e.type, "param": None, "code": e.code}}
    return Response(e.status, body, headers=e.headers, delay=e.delay)
