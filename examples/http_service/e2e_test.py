#!/usr/bin/env python3
"""End-to-end propagation test for the http_service example.

Starts two instances (A and B) on free loopback ports with the console exporter, then checks that
a trace crosses both: A's SERVER span continues the caller's context, A's CLIENT span is the parent
of B's SERVER span, baggage arrives at B, and the W3C test-harness protocol (POST /test) carries the
context on through A and B to a third listener. Runs once per propagator configuration.
Usage: e2e_test.py PATH_TO_http_service
"""
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SERVICE = sys.argv[1]
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
SPAN_RE = re.compile(r"^span ([0-9a-f]{32}) ([0-9a-f]{16}) parent=(\S+) kind=(\w+) name=\"([^\"]*)\"")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, headers=None, data=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok  -", what)


class Recorder(http.server.BaseHTTPRequestHandler):
    """The harness's final hop: records the headers and body of each POST."""
    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Recorder.seen.append((dict((k.lower(), v) for k, v in self.headers.items()), body.decode()))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Service:
    def __init__(self, port, propagators, tmp):
        self.port = port
        self.out = open(os.path.join(tmp, "svc-%d.out" % port), "w+")
        env = dict(os.environ, OTEL_TRACES_EXPORTER="console", OTEL_PROPAGATORS=propagators,
                   OTEL_TRACES_SAMPLER="parentbased_always_on")
        self.proc = subprocess.Popen([SERVICE, str(port)], stdout=self.out, stderr=subprocess.PIPE, env=env)
        deadline = time.time() + 10
        while True:
            try:
                if get("http://127.0.0.1:%d/health" % port)[0] == 200:
                    return
            except OSError:
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("service on port %d did not start" % port)
            time.sleep(0.05)

    def stop(self):
        """SIGTERM, wait for the flush, return the exported spans."""
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=20)
        check(rc == 0, "service on port %d exits cleanly (rc=%d)" % (self.port, rc))
        self.out.seek(0)
        spans = []
        for line in self.out:
            m = SPAN_RE.match(line)
            if m:
                spans.append(dict(trace=m.group(1), span=m.group(2), parent=m.group(3), kind=m.group(4),
                                  name=m.group(5)))
        return spans


def incoming_headers(propagators):
    """The caller's context in the first configured format, plus baggage."""
    if propagators.startswith("datadog"):
        # trace 0x4bf92f3577b34da6 a3ce929d0e0e4736 in Datadog form: low 64 bits decimal + _dd.p.tid
        return {"x-datadog-trace-id": str(int(TRACE[16:], 16)), "x-datadog-parent-id": str(int(PARENT, 16)),
                "x-datadog-sampling-priority": "1", "x-datadog-tags": "_dd.p.tid=" + TRACE[:16],
                "baggage": "user=alice,note=hello%20world"}
    if propagators.startswith("b3"):
        return {"b3": "%s-%s-1" % (TRACE, PARENT), "baggage": "user=alice,note=hello%20world"}
    return {"traceparent": "00-%s-%s-01" % (TRACE, PARENT), "tracestate": "vendor=x",
            "baggage": "user=alice,note=hello%20world"}


def scenario(propagators, tmp):
    print("# OTEL_PROPAGATORS=%s" % propagators)
    Recorder.seen = []
    rec = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=rec.serve_forever, daemon=True).start()
    a = Service(free_port(), propagators, tmp)
    b = Service(free_port(), propagators, tmp)
    try:
        # 1. a caller's context crosses A and reaches B, with baggage
        status, body = get("http://127.0.0.1:%d/chain?port=%d" % (a.port, b.port), incoming_headers(propagators))
        view = json.loads(body)
        check(status == 200, "A /chain answers 200")
        check(view["trace_id"] == TRACE, "A continues the caller's trace")
        down = view["downstream"]
        check(down["trace_id"] == TRACE, "B sees the same trace id")
        check(down["parent_is_remote"] and down["sampled"], "B's parent is remote and sampled")
        check(down["baggage"] == {"user": "alice", "note": "hello world"}, "baggage reaches B decoded")
        client_span = down["parent_span_id"]

        # 2. no incoming context: A starts a trace and B joins it
        status, body = get("http://127.0.0.1:%d/chain?port=%d" % (a.port, b.port))
        fresh = json.loads(body)
        check(fresh["trace_id"] != TRACE and fresh["downstream"]["trace_id"] == fresh["trace_id"],
              "a new trace started at A propagates to B")

        # 3. garbage context: ignored, never fatal
        status, body = get("http://127.0.0.1:%d/whoami" % a.port,
                           {"traceparent": "00-zz", "b3": "x-y-z", "x-datadog-trace-id": "-1", "baggage": "%%%"})
        check(status == 200 and json.loads(body)["parent_span_id"] == "", "malformed headers start a new trace")

        # 4. the W3C test-harness protocol: A -> B -> recorder
        rec_url = "http://127.0.0.1:%d/" % rec.server_address[1]
        payload = [{"url": "http://127.0.0.1:%d/test" % b.port, "arguments": [{"url": rec_url, "arguments": [1, 2]}]}]
        status, body = get("http://127.0.0.1:%d/test" % a.port, dict(incoming_headers(propagators),
                           **{"Content-Type": "application/json"}), json.dumps(payload).encode())
        check(status == 200 and json.loads(body) == {"calls": 1, "failed": 0}, "A's /test made its call")
        check(len(Recorder.seen) == 1 and json.loads(Recorder.seen[0][1]) == [1, 2],
              "the recorder got the arguments list as JSON")
        hdrs = Recorder.seen[0][0]
        if "traceparent" in hdrs:
            check(hdrs["traceparent"].split("-")[1] == TRACE, "the harness hop carries the trace on (traceparent)")
        elif "b3" in hdrs:
            check(hdrs["b3"].split("-")[0] == TRACE, "the harness hop carries the trace on (b3)")
        elif "x-b3-traceid" in hdrs:
            check(hdrs["x-b3-traceid"] == TRACE, "the harness hop carries the trace on (b3multi)")
        else:
            check(hdrs.get("x-datadog-trace-id") == str(int(TRACE[16:], 16)) and
                  hdrs.get("x-datadog-tags", "").find(TRACE[:16]) >= 0, "the harness hop carries the trace on (datadog)")
    finally:
        spans_a = a.stop()
        spans_b = b.stop()
        rec.shutdown()

    # 5. the exported spans agree with what the services reported
    a_server = [s for s in spans_a if s["kind"] == "server" and s["name"] == "GET /chain" and s["trace"] == TRACE]
    a_client = [s for s in spans_a if s["kind"] == "client" and s["trace"] == TRACE and s["span"] == client_span]
    b_server = [s for s in spans_b if s["kind"] == "server" and s["name"] == "GET /whoami" and s["trace"] == TRACE]
    check(len(a_server) == 1 and a_server[0]["parent"] == PARENT, "A exported a SERVER span under the caller")
    check(len(a_client) == 1 and a_client[0]["parent"] == a_server[0]["span"], "A's CLIENT span is its child")
    check(len(b_server) == 1 and b_server[0]["parent"] == client_span, "B's SERVER span is the CLIENT span's child")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for props in ("tracecontext,baggage", "datadog,tracecontext,baggage", "b3multi,baggage", "b3,baggage"):
            scenario(props, tmp)
    print("all checks passed")


if __name__ == "__main__":
    main()
