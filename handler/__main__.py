"""Command line: run the HTTP entry locally, or replay one extension request.

python -m handler serve [--port N]
python -m handler invoke EVENT.json [--talon-response FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from handler.app import Runtime, handle
from handler.http import JSON_HEADERS, current_runtime, encode, handle_http
from handler.logs import configure_logging
from handler.runtime import RuntimeUnavailable, build_runtime, with_replay_app
from handler.talon import ReplayTransport

MAX_BODY_BYTES = 16 * 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handler", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="serve the HTTP entry on 127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8080)

    invoke_cmd = commands.add_parser("invoke", help="run one extension request and print JSON")
    invoke_cmd.add_argument("event", type=Path, help="a commercetools extension request (JSON)")
    invoke_cmd.add_argument(
        "--talon-response",
        type=Path,
        help="use this recorded Talon.One answer; no network call",
    )

    args = parser.parse_args(argv)
    configure_logging()
    if args.command == "serve":
        return serve(args.port)
    return invoke(args.event, args.talon_response)


def serve(port: int) -> int:
    runtime = current_runtime()
    if isinstance(runtime, RuntimeUnavailable):
        print(f"settings are invalid: {runtime}", file=sys.stderr)
        return 2

    server = ThreadingHTTPServer(("127.0.0.1", port), _RequestHandler)
    print(f"handler listening on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def invoke(event_path: Path, talon_response: Path | None) -> int:
    try:
        payload = json.loads(event_path.read_text(encoding="utf-8"))
        replay = talon_response.read_bytes() if talon_response else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"cannot read input: {exc}", file=sys.stderr)
        return 2

    try:
        runtime = build_runtime(transport=ReplayTransport(replay) if replay is not None else None)
    except RuntimeUnavailable as exc:
        print(f"settings are invalid: {exc}", file=sys.stderr)
        return 2
    if replay is not None:
        runtime = Runtime(with_replay_app(runtime.settings), runtime.mappings, runtime.talon)
    runtime.talon.sent = []

    _, response = handle(payload, runtime)
    sent: list[dict[str, Any]] = [
        {"method": request.method, "url": request.url, "body": request.body}
        for request in runtime.talon.sent
    ]
    json.dump(
        {"requests": sent, "response": response},
        sys.stdout,
        indent=2,
        ensure_ascii=False,
    )
    print()
    return 0


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._answer(413, {"errors": [{"code": "InvalidInput", "message": "body too large"}]})
            return
        status, body = handle_http("POST", dict(self.headers.items()), self.rfile.read(length))
        self._answer(status, body)

    def do_GET(self) -> None:
        status, body = handle_http("GET", dict(self.headers.items()), b"")
        self._answer(status, body)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        content = encode(body)
        self.send_response(status)
        for name, value in JSON_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are logged by the handler as structured lines; skip http.server's own lines.
        return


if __name__ == "__main__":
    sys.exit(main())
