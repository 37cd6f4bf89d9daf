"""A stand-in for the Hugging Face hub on 127.0.0.1, serving recorded answers.

tests/fixtures/hub/recorded_hub.json holds the hub's model list (the items of GET /api/models, in
the shape the hub answers and huggingface_hub's ModelInfo reads: id, author, createdAt, gated,
config, safetensors, tags ...) and, per repo, the config.json file it serves. The real
huggingface_hub client talks to it through HF_ENDPOINT: the list (with `author`), and HEAD/GET of
/<repo>/resolve/<revision>/config.json with the headers hf_hub_download reads (X-Repo-Commit, ETag,
Content-Length) or the hub's error codes (X-Error-Code: RepoNotFound, GatedRepo, EntryNotFound).
`failing=True` answers every request with 503, as a hub that is down.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from archrarity import PROJECT_DIR

RECORDED = PROJECT_DIR / "tests" / "fixtures" / "hub" / "recorded_hub.json"


class StandInHub:
    def __init__(self, recorded: Path = RECORDED, failing: bool = False) -> None:
        data = json.loads(recorded.read_text())
        self.models: list[dict] = data["models"]
        self.files: dict[str, str] = data["config_files"]
        self.failing = failing
        self.requests: list[str] = []  # "METHOD path", in order

    def handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _error(self, status: int, code: str, message: str) -> None:
                body = json.dumps({"error": message}).encode()
                self._send(status, body, {"Content-Type": "application/json", "X-Error-Code": code,
                                          "X-Error-Message": message})

            def _answer(self) -> None:
                hub.requests.append(f"{self.command} {self.path}")
                if hub.failing:
                    self._send(503, b"Service Unavailable")
                    return
                url = urlparse(self.path)
                if url.path == "/api/models":
                    author = parse_qs(url.query).get("author", [""])[0]
                    items = [model for model in hub.models if model["author"] == author]
                    self._send(200, json.dumps(items).encode(), {"Content-Type": "application/json"})
                    return
                parts = url.path.strip("/").split("/")
                if len(parts) >= 5 and parts[2] == "resolve":
                    repo_id, filename = "/".join(parts[:2]), "/".join(parts[4:])
                    model = next((model for model in hub.models if model["id"] == repo_id), None)
                    if model is None:
                        self._error(404, "RepoNotFound", f"Repository Not Found for url: {self.path}.")
                    elif model.get("gated"):
                        self._error(401, "GatedRepo", f"Access to model {repo_id} is restricted. You must have "
                                    "access to it and be authenticated to access it. Please log in.")
                    elif filename != "config.json" or repo_id not in hub.files:
                        self._error(404, "EntryNotFound", f"{filename} does not exist on \"main\"")
                    else:
                        body = (PROJECT_DIR / hub.files[repo_id]).read_bytes()
                        commit = hashlib.sha1(repo_id.encode()).hexdigest()
                        self._send(200, body, {"Content-Type": "application/json", "X-Repo-Commit": commit,
                                               "ETag": f'"{hashlib.sha1(body).hexdigest()}"'})
                    return
                self._error(404, "RepoNotFound", f"Not found: {self.path}")

            do_GET = _answer
            do_HEAD = _answer

        return Handler


@contextmanager
def serve(failing: bool = False) -> Iterator[tuple[str, StandInHub]]:
    """(endpoint URL, hub) of a stand-in hub on a free port of 127.0.0.1; stopped on exit."""
    hub = StandInHub(failing=failing)
    server = ThreadingHTTPServer(("127.0.0.1", 0), hub.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
