"""Tiny JSON services for the examples, on the Python 3 standard library only.

An example's services.py describes its services as functions and calls run():

    def inventory(request):            # a Request: method, path, query, headers, body
        return 200, {"reserved": True}  # a status and a JSON-able answer

    run({"inventory": (9101, inventory)})

`python3 services.py` listens on the default ports (127.0.0.1:9101, …), the addresses the
example's definitions name, so a definition can be uploaded as it is. With
`--ports-file FILE`, each service listens on a free port instead, and FILE receives
{"inventory": {"url": "http://127.0.0.1:PORT", "default": "http://127.0.0.1:9101"}, …}
once every service listens (run.sh rewrites the definitions with it).
"""

import argparse
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict  # name -> first value
    headers: dict  # lowercase name -> value
    body: object  # parsed JSON, or None


def _handler_class(name, handle):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            request = Request(
                method=self.command,
                path=url.path,
                query={k: v[0] for k, v in parse_qs(url.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            status, answer = handle(request)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, fmt, *args):
            sys.stderr.write(f"[{name}] {fmt % args}\n")

    return Handler


def run(services):
    """Serves each of `services` ({name: (default_port, handle)}) until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports-file", help="listen on free ports and write them here")
    args = parser.parse_args()
    addresses = {}
    for name, (default_port, handle) in services.items():
        port = 0 if args.ports_file else default_port
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(name, handle))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        addresses[name] = {
            "url": f"http://127.0.0.1:{server.server_address[1]}",
            "default": f"http://127.0.0.1:{default_port}",
        }
        print(f"{name} listening on {addresses[name]['url']}", flush=True)
    if args.ports_file:
        partial = args.ports_file + ".partial"
        with open(partial, "w") as f:
            json.dump(addresses, f)
        os.replace(partial, args.ports_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
