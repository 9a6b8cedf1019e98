# shellcheck shell=bash
# Shared plumbing of the examples' run.sh scripts (sourced, not run). Needs bash, curl and
# python3 (the standard library only). Every wait here is bounded: a script never hangs.
#
#   BATON_ENDPOINT    Baton's address (default http://127.0.0.1:8080)
#   BATON_AUTH_TOKEN  a bearer token, when the server runs with --auth-token

set -euo pipefail

BATON="${BATON_ENDPOINT:-http://127.0.0.1:8080}"
BATON="${BATON%/}"
# A suffix that keeps execution names unique when a script runs again on the same server.
# shellcheck disable=SC2034 # used by the scripts that source this file
RUN_ID="$(date +%s)-$$"
WORK="$(mktemp -d)"
SERVICES_PID=""

cleanup() {
    if [[ -n "$SERVICES_PID" ]]; then
        kill "$SERVICES_PID" 2>/dev/null || true
        wait "$SERVICES_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAILED: $*" >&2
    exit 1
}

for tool in curl python3; do
    command -v "$tool" >/dev/null || fail "$tool is needed to run this example"
done
# The interpreter itself: a version manager's python3 shim can take a second per call.
PYTHON="$(python3 -c 'import sys; print(sys.executable)')"

# curl against the REST API: api METHOD PATH [curl arguments…]. Prints the body; fails on
# a status of 400 or more, printing the body Baton gave (it says what went wrong).
api() {
    local method="$1" path="$2"
    shift 2
    local auth=()
    if [[ -n "${BATON_AUTH_TOKEN:-}" ]]; then
        auth=(-H "Authorization: Bearer $BATON_AUTH_TOKEN")
    fi
    local status
    status=$(curl -sS --max-time 60 -o "$WORK/body" -w '%{http_code}' -X "$method" "${auth[@]}" \
        "$BATON$path" "$@") || fail "cannot reach Baton at $BATON (is 'baton serve' running?)"
    if ((status >= 400)); then
        cat "$WORK/body" >&2
        echo >&2
        fail "$method $path answered $status"
    fi
    cat "$WORK/body"
}

# Reads a field of the JSON on standard input: json_get status, json_get output.items.0.
# Prints strings as they are and anything else as compact JSON; nothing when absent.
json_get() {
    "$PYTHON" -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split(".") if sys.argv[1] else []:
    if isinstance(value, list) and key.isdigit() and int(key) < len(value):
        value = value[int(key)]
    elif isinstance(value, dict) and key in value:
        value = value[key]
    else:
        sys.exit(0)
print(value if isinstance(value, str) else json.dumps(value, separators=(",", ":")))
' "$1"
}

# Starts this example's services.py on free ports and waits until it wrote their addresses
# to $WORK/services.json ({"NAME": {"url": …, "default": …}}; see servicekit.py).
start_services() {
    BATON_ENDPOINT="$BATON" "$PYTHON" "$EXAMPLE_DIR/services.py" --ports-file "$WORK/services.json" \
        >"$WORK/services.log" 2>&1 &
    SERVICES_PID=$!
    for _ in $(seq 100); do
        [[ -s "$WORK/services.json" ]] && return 0
        kill -0 "$SERVICES_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$WORK/services.log" >&2
    fail "the services did not start"
}

# The address of service NAME (after start_services).
service_url() {
    json_get "$1.url" <"$WORK/services.json"
}

# Prints definition FILE with each service's default address (http://127.0.0.1:91xx, as
# the file names it) replaced by the address start_services started it on.
with_service_urls() {
    "$PYTHON" - "$1" "$WORK/services.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
for service in json.load(open(sys.argv[2])).values():
    text = text.replace(service["default"], service["url"])
print(text)
PY
}

# Polls an execution until it is no longer RUNNING (at most SECONDS, default 30) and
# prints its description.
wait_for_end() {
    local machine="$1" execution="$2" seconds="${3:-30}" view status
    for _ in $(seq $((seconds * 5))); do
        view=$(api GET "/v1/state-machines/$machine/executions/$execution")
        status=$(json_get status <<<"$view")
        if [[ "$status" != "RUNNING" ]]; then
            echo "$view"
            return 0
        fi
        sleep 0.2
    done
    fail "execution $execution still runs after ${seconds}s"
}
