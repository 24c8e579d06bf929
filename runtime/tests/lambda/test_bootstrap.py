#!/usr/bin/env python3
"""Tests bootstrap (noa's AWS Lambda custom runtime) against a fake Lambda Runtime API.

The fake API (http.server, stdlib only, 127.0.0.1 on a free port) implements the four routes:
GET /2018-06-01/runtime/invocation/next, POST .../invocation/{id}/response, POST .../invocation/{id}/error
and POST .../init/error. It hands out queued events, alternating Content-Length and chunked bodies, and
records what bootstrap posts. When the queue is done it closes the pending /next connection and stops
listening: bootstrap must then exit non-zero. Usage:
  test_bootstrap.py SCENARIO --bootstrap B --noa N --fixtures DIR [-- EMULATOR...]
Scenarios: invocations, errors, init-error, no-api, api-gone.
"""
import argparse
import http.server
import json
import os
import queue
import struct
import subprocess
import sys
import threading

PREFIX = "/2018-06-01/runtime"
TIMEOUT = 300


class FakeApi:
    def __init__(self, events):
        self.events = queue.Queue()
        for e in events:
            self.events.put(e)
        self.events.put(None)
        self.posts = {}  # request id -> (route, error type header, body)
        self.init_errors = []
        self.count = 0
        self.deadlines = {}
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    self.send_error(404)
                    return
                ev = api.events.get()
                if ev is None:
                    # The API goes away: no response at all.
                    self.close_connection = True
                    return
                rid, body, deadline = ev
                api.count += 1
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", rid)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(deadline))
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:1:function:noa")
                data = body.encode() if isinstance(body, str) else body
                if api.count % 2 == 0:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(data), 7):
                        part = data[i:i + 7]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                etype = self.headers.get("Lambda-Runtime-Function-Error-Type")
                if self.path == PREFIX + "/init/error":
                    api.init_errors.append((etype, body))
                else:
                    parts = self.path[len(PREFIX):].split("/")
                    if len(parts) != 4 or parts[1] != "invocation" or parts[3] not in ("response", "error"):
                        self.send_error(404)
                        return
                    if parts[2] in api.posts:
                        self.send_error(400, "already answered")
                        return
                    api.posts[parts[2]] = (parts[3], etype, body)
                self.send_response(202)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run_bootstrap(args, env):
    p = subprocess.run(args.emulator + [args.bootstrap], env=env, capture_output=True, timeout=TIMEOUT)
    return p.returncode, p.stderr.decode(errors="replace")


def noa_json(args, env, *cmd):
    p = subprocess.run(args.emulator + [args.noa] + list(cmd) + ["--json"], env=env, capture_output=True,
                       timeout=TIMEOUT, check=True)
    return json.loads(p.stdout)


def xorshift_fill(n, seed):
    s = seed or 1
    out = []
    for _ in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out.append(((s >> 8) - (1 << 23)) / 8388608.0)
    return out


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def model(inp):
    """The 64-128-16 perceptron of src/model.c, in double precision."""
    w1 = [f32(v * 0.125) for v in xorshift_fill(128 * 64, 0x9E3779B9)]
    b1 = [f32(v * f32(0.1)) for v in xorshift_fill(128, 0x85EBCA6B)]
    w2 = [f32(v * f32(0.088388)) for v in xorshift_fill(16 * 128, 0xC2B2AE35)]
    b2 = [f32(v * f32(0.1)) for v in xorshift_fill(16, 0x27D4EB2F)]
    h = [max(0.0, sum(w1[r * 64 + c] * inp[c] for c in range(64)) + b1[r]) for r in range(128)]
    return [sum(w2[r * 128 + c] * h[c] for c in range(128)) + b2[r] for r in range(16)]


def base_env(args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NOA_", "_HANDLER", "_X_AMZN"))}
    env["AWS_LAMBDA_FUNCTION_NAME"] = "noa-test"
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "512"
    env["NOA_SYSROOT"] = os.path.join(args.fixtures, "graviton2")
    return env


FAR = 4102444800000  # 2100-01-01, in ms


def scenario_invocations(args):
    env = base_env(args)
    expect_probe = noa_json(args, env, "probe")
    expect_target = noa_json(args, env, "target")
    expect_plan = noa_json(args, env, "plan", "--set", "prefer_gpu=false", "--set",
                           "lightweight_memory_threshold_gb=0.25")
    expect_plan_default = noa_json(args, env, "plan")
    if expect_target["kind"] != "lambda" or expect_target["effective"]["max_memory_mb"] > 512:
        fail("noa target does not report lambda with at most 512 MB: %r" % expect_target)
    events, want = [], {}
    inputs = [((i * 37) % 200 - 100) / 50.0 for i in range(64)]
    for i in range(100):
        rid = "req-%03d" % i
        kind = i % 5
        if kind == 0:
            ev, exp = {"action": "probe"}, expect_probe
        elif kind == 1:
            ev, exp = {"action": "target"}, expect_target
        elif kind == 2:
            ev = {"action": "plan", "policy": {"prefer_gpu": False, "lightweight_memory_threshold_gb": 0.25}}
            exp = expect_plan
        elif kind == 3:
            ev, exp = {"action": "plan"}, expect_plan_default
        else:
            ev, exp = ({"action": "infer", "seed": i}, ("infer", xorshift_fill(64, i))) if i % 2 else \
                ({"action": "infer", "input": inputs}, ("infer", inputs))
        events.append((rid, json.dumps(ev), FAR))
        want[rid] = exp
    with FakeApi(events) as api:
        env["AWS_LAMBDA_RUNTIME_API"] = api.address
        rc, err = run_bootstrap(args, env)
    if rc == 0:
        fail("bootstrap exited 0 after the API went away")
    if "went away" not in err:
        fail("stderr does not say the API went away:\n" + err)
    for rid, exp in want.items():
        if rid not in api.posts:
            fail("no answer for " + rid)
        route, etype, body = api.posts[rid]
        if route != "response":
            fail("%s: %s route (%s): %s" % (rid, route, etype, body))
        got = json.loads(body)
        if isinstance(exp, tuple):
            ref = model(exp[1])
            outs = got.get("outputs")
            if got.get("schema") != "noa.infer/v1" or not isinstance(outs, list) or len(outs) != 16:
                fail("%s: bad infer document %r" % (rid, got))
            for a, b in zip(outs, ref):
                if abs(a - b) > 1e-4 * (1 + abs(b)):
                    fail("%s: infer output %r, model says %r" % (rid, outs, ref))
        elif got != exp:
            fail("%s: answer differs from noa:\n%r\n%r" % (rid, got, exp))
    print("ok: 100 invocations answered, then exit %d" % rc)


def scenario_errors(args):
    env = base_env(args)
    cases = [
        ("bad-json", "{\"action\": \"probe\"", FAR, "InvalidEvent"),
        ("not-object", "[1, 2]", FAR, "InvalidEvent"),
        ("no-action", "{}", FAR, "InvalidEvent"),
        ("unknown-action", "{\"action\": \"reboot\"}", FAR, "UnknownAction"),
        ("unknown-member", "{\"action\": \"probe\", \"x\": 1}", FAR, "InvalidEvent"),
        ("bad-policy", "{\"action\": \"plan\", \"policy\": {\"prefer_gpu\": 3}}", FAR, "InvalidPolicy"),
        ("range-policy", "{\"action\": \"plan\", \"policy\": {\"min_gpu_memory_gb\": 0}}", FAR, "InvalidPolicy"),
        ("short-input", "{\"action\": \"infer\", \"input\": [1, 2]}", FAR, "InvalidEvent"),
        ("binary", b"\xff\x00{", FAR, "InvalidEvent"),
        ("past-deadline", "{\"action\": \"probe\"}", 1000, "DeadlineExceeded"),
        ("good", "{\"action\": \"target\"}", FAR, None),
    ]
    with FakeApi([(c[0], c[1], c[2]) for c in cases]) as api:
        env["AWS_LAMBDA_RUNTIME_API"] = api.address
        rc, err = run_bootstrap(args, env)
    if rc == 0:
        fail("bootstrap exited 0 after the API went away")
    for rid, _, _, etype in cases:
        if rid not in api.posts:
            fail("no answer for " + rid + "\n" + err)
        route, header, body = api.posts[rid]
        if etype is None:
            if route != "response":
                fail("%s: expected a response, got %s %s" % (rid, header, body))
            continue
        doc = json.loads(body)
        if route != "error" or header != etype or doc.get("errorType") != etype or \
                not isinstance(doc.get("errorMessage"), str) or not doc["errorMessage"]:
            fail("%s: expected error %s, got %s %s %r" % (rid, etype, route, header, body))
        print("ok: %s -> %s: %s" % (rid, etype, doc["errorMessage"]))


def scenario_init_error(args):
    env = base_env(args)
    for var, value, etype in (("_HANDLER", "no such handler!", "Runtime.InvalidHandler"),
                              ("NOA_KERNEL", "bogus", "Runtime.InvalidKernel"),
                              ("NOA_SYSROOT", "/nonexistent/sysroot", "Runtime.InvalidSysroot")):
        with FakeApi([("never", "{\"action\": \"probe\"}", FAR)]) as api:
            e = dict(env, AWS_LAMBDA_RUNTIME_API=api.address)
            e[var] = value
            rc, err = run_bootstrap(args, e)
            if rc != 3:
                fail("%s=%s: exit %d, expected 3\n%s" % (var, value, rc, err))
            if len(api.init_errors) != 1 or api.init_errors[0][0] != etype:
                fail("%s=%s: init errors %r" % (var, value, api.init_errors))
            doc = json.loads(api.init_errors[0][1])
            if doc.get("errorType") != etype or not doc.get("errorMessage"):
                fail("bad init error document %r" % doc)
            if api.count != 0:
                fail("bootstrap asked for an invocation after a failed start-up")
            print("ok: %s=%s -> %s: %s" % (var, value, etype, doc["errorMessage"]))


def scenario_no_api(args):
    env = base_env(args)
    for value in (None, "", "nohost", "10.0.0.1:99999", "example.com:80"):
        e = dict(env)
        if value is not None:
            e["AWS_LAMBDA_RUNTIME_API"] = value
        rc, err = run_bootstrap(args, e)
        if rc != 3 or "AWS_LAMBDA_RUNTIME_API" not in err:
            fail("AWS_LAMBDA_RUNTIME_API=%r: exit %d\n%s" % (value, rc, err))
        print("ok: AWS_LAMBDA_RUNTIME_API=%r -> exit 3: %s" % (value, err.strip()))


def scenario_api_gone(args):
    env = base_env(args)
    with FakeApi([("r%d" % i, "{\"action\": \"infer\"}", FAR) for i in range(3)]) as api:
        env["AWS_LAMBDA_RUNTIME_API"] = api.address
        address = api.address
        rc, err = run_bootstrap(args, env)
    if rc != 5 or "went away" not in err or len(api.posts) != 3:
        fail("exit %d, %d answers:\n%s" % (rc, len(api.posts), err))
    # Nobody listens there now: connection refused.
    env["AWS_LAMBDA_RUNTIME_API"] = address
    rc, err = run_bootstrap(args, env)
    if rc != 5 or "went away" not in err or "refused" not in err:
        fail("refused: exit %d\n%s" % (rc, err))
    print("ok: exit 5 when the API goes away: " + err.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--noa", required=True)
    ap.add_argument("--fixtures", required=True)
    argv = sys.argv[1:]
    emulator = []
    if "--" in argv:
        emulator = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    args = ap.parse_args(argv)
    args.emulator = [e for e in emulator if e]
    {"invocations": scenario_invocations, "errors": scenario_errors, "init-error": scenario_init_error,
     "no-api": scenario_no_api, "api-gone": scenario_api_gone}[args.scenario](args)


if __name__ == "__main__":
    main()
