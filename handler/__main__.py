"""Command line: run the HTTP entry locally, replay one extension request, or run a tool.

python -m handler serve [--port N]
python -m handler invoke EVENT.json [--talon-response FILE]
python -m handler explain --cart-id ID [--json]
python -m handler reconcile
python -m handler migrate-customers [--dry-run] ...
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from handler.app import Runtime, handle
from handler.http import JSON_HEADERS, current_runtime, encode, handle_http
from handler.logs import configure_logging, log_event
from handler.runtime import RuntimeUnavailable, build_runtime, with_replay_app
from handler.talon import ReplayTransport

MAX_BODY_BYTES = 16 * 1024 * 1024


# Operator tools, each a module with its own options: imported only when asked for.
TOOLS = {
    "explain": ("handler.explain", "show why a cart gets the promotions it gets (dry run)"),
    "reconcile": ("handler.reconcile", "re-send order changes that did not reach Talon.One"),
    "migrate-customers": ("handler.migration", "send every commercetools customer to Talon.One"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in TOOLS:
        configure_logging()
        tool = importlib.import_module(TOOLS[argv[0]][0])
        status: int = tool.main(argv[1:])
        return status

    parser = argparse.ArgumentParser(prog="python -m handler", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, summary) in TOOLS.items():
        commands.add_parser(name, help=summary, add_help=False)

    serve_cmd = commands.add_parser("serve", help="serve the HTTP entry on 127.0.0.1")
    serve_cmd.add_argument("--port", type=_port, default=8080, help="0 picks a free port")

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


def _port(text: str) -> int:
    port = int(text) if text.isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def serve(port: int) -> int:
    runtime = current_runtime()
    if isinstance(runtime, RuntimeUnavailable):
        print(f"settings are invalid: {runtime}", file=sys.stderr)
        return 2

    try:
        server = _Server(("127.0.0.1", port), _RequestHandler)
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return 2
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
        text = event_path.read_text(encoding="utf-8")
        replay = talon_response.read_bytes() if talon_response else None
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read input: {exc}", file=sys.stderr)
        return 2
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        if not text.strip():
            what = "is empty"
        elif isinstance(exc, json.JSONDecodeError):
            what = f"is not JSON ({exc.msg} at line {exc.lineno})"
        else:
            what = "nests too deeply"
        print(
            f"{event_path} {what}; it must hold a commercetools extension request", file=sys.stderr
        )
        return 2

    try:
        runtime = build_runtime(transport=ReplayTransport(replay) if replay is not None else None)
    except RuntimeUnavailable as exc:
        print(f"settings are invalid: {exc}", file=sys.stderr)
        return 2
    if replay is not None:
        runtime = Runtime(with_replay_app(runtime.settings), runtime.mappings, runtime.talon)
    elif not runtime.settings.apps:
        print(
            "no Talon.One app is set up (T1CT_APPS): carts get no promotions; pass "
            "--talon-response FILE to replay a recorded answer",
            file=sys.stderr,
        )
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


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A caller that went away mid-request is nothing to report; anything else is one line.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            log_event("serve_error", logging.ERROR, error=type(error).__name__)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding"):
            self._refuse(411, "send the body with a Content-Length, not chunked")
            return
        raw_length = self.headers.get("Content-Length") or "0"
        length = int(raw_length) if raw_length.isdigit() else -1
        if length < 0:
            self._refuse(400, "Content-Length is not a number of bytes")
            return
        if length > MAX_BODY_BYTES:
            self._refuse(413, f"body larger than {MAX_BODY_BYTES} bytes")
            return
        status, body = handle_http("POST", dict(self.headers.items()), self.rfile.read(length))
        self._answer(status, body)

    def _other_method(self) -> None:
        status, body = handle_http(self.command, dict(self.headers.items()), b"")
        self._answer(status, body)

    # http.server looks methods up by these names.
    do_GET = do_PUT = do_DELETE = do_PATCH = _other_method  # noqa: N815

    def do_HEAD(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _refuse(self, status: int, message: str) -> None:
        # The body was not read, so the connection cannot carry another request.
        self.close_connection = True
        log_event("extension_request", logging.WARNING, outcome="invalid_request", reason=message)
        self._answer(status, {"errors": [{"code": "InvalidInput", "message": message}]})

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
