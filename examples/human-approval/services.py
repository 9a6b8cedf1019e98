"""The human approval's notifier (9201): where a Callback state sends its task token.

A real notifier would e-mail or chat a link to the console's approval page,
<baton>/ui/callbacks/<token>, where a person reads the request and approves or rejects it.
This one prints that link and keeps each request, so run.sh can answer in that person's
place:

- POST /approvals          the Callback state's Notify request: {token, execution, …}
- GET  /approvals/<name>   the request of execution <name> (404 until it arrived)
- POST /notifications      a message to the employee (from the Task after the approval)
- GET  /notifications      every message received

Run it by hand with `python3 services.py` (port 9201); run.sh uses --ports-file.
"""

import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servicekit import run  # noqa: E402

BATON = os.environ.get("BATON_ENDPOINT", "http://127.0.0.1:8080").rstrip("/")
lock = threading.Lock()
approvals = {}  # execution name -> the Notify request body
notifications = []


def notifier(request):
    with lock:
        if request.method == "POST" and request.path == "/approvals":
            body = request.body or {}
            approvals[body.get("execution")] = body
            print(f"approval needed: {body.get('summary')}", flush=True)
            print(f"  answer it at {BATON}/ui/callbacks/{body.get('token')}", flush=True)
            return 202, {"queued": True}
        if request.method == "GET" and request.path.startswith("/approvals/"):
            found = approvals.get(request.path.removeprefix("/approvals/"))
            return (200, found) if found else (404, {"message": "no request yet"})
        if request.method == "POST" and request.path == "/notifications":
            notifications.append(request.body)
            return 200, {"sent": True}
        if request.method == "GET" and request.path == "/notifications":
            return 200, notifications
    return 404, {"message": "no such route"}


if __name__ == "__main__":
    run({"notifier": (9201, notifier)})
