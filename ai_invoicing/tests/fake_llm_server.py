"""A scripted OpenAI-compatible HTTP server on loopback, for tests.

Pure standard library (no ``odoo`` import): used by the Odoo suite and by the
pure-Python suite alike, always through the real ``openai`` client.

    with FakeOpenAIServer() as server:
        server.script(error(429, "slow down"), completion('{"a": 1}'))
        client = openai.OpenAI(base_url=server.base_url, api_key="x")
"""

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content, model="fake-model", prompt_tokens=50, completion_tokens=20):
    """A 200 chat.completion answering ``content``."""
    return {
        "status": 200,
        "body": {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    }


def refusal(text, model="fake-model"):
    response = completion(None, model=model)
    response["body"]["choices"][0]["message"]["refusal"] = text
    return response


def error(status, message, headers=None):
    """An OpenAI-style error; 429 and 5xx say Retry-After: 0 so the SDK retries at once."""
    default_headers = {"retry-after": "0"} if status == 429 or status >= 500 else {}
    return {
        "status": status,
        "body": {"error": {"message": message, "type": "fake_error", "code": None}},
        "headers": {**default_headers, **(headers or {})},
    }


def raw(status, text):
    """A response whose body is not JSON."""
    return {"status": status, "text": text}


def slow(seconds, response):
    """``response`` after ``seconds``."""
    return {**response, "delay": seconds}


class FakeOpenAIServer:
    """Answers ``POST /v1/chat/completions`` from a queue of scripted responses."""

    def __init__(self):
        self._queue = deque()
        self._lock = threading.Lock()
        self.requests = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *responses):
        with self._lock:
            self._queue.extend(responses)

    def __enter__(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self):
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return error(500, "no scripted response")

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                if self.path.rstrip("/").endswith("/models"):
                    body = {"object": "list", "data": [{"id": "fake-model", "object": "model"}]}
                    return self._send({"status": 200, "body": body})
                return self._send(error(404, "not found"))

            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("content-length") or 0)
                payload = self.rfile.read(length)
                try:
                    body = json.loads(payload or b"{}")
                except ValueError:
                    body = {"_raw": payload.decode("utf-8", "replace")}
                with server._lock:
                    server.requests.append(
                        {
                            "path": self.path,
                            "body": body,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                        }
                    )
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    return self._send(error(404, "not found"))
                return self._send(server._next())

            def _send(self, response):
                if response.get("delay"):
                    time.sleep(response["delay"])
                if "text" in response:
                    data = response["text"].encode()
                    content_type = "text/plain"
                else:
                    data = json.dumps(response["body"]).encode()
                    content_type = "application/json"
                try:
                    self.send_response(response["status"])
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(data)))
                    for key, value in (response.get("headers") or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        return Handler
