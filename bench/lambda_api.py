#!/usr/bin/env python3
"""A fast fake AWS Lambda Runtime API for bench/lambda.sh: serves N events to one runtime and times it.

It starts the runtime itself (the command after --), with AWS_LAMBDA_RUNTIME_API pointing at a
listening socket on 127.0.0.1, and serves the routes a runtime uses:
  GET  /2018-06-01/runtime/invocation/next            the next event (Content-Length body)
  POST /2018-06-01/runtime/invocation/{id}/response   recorded, answered 202
  POST /2018-06-01/runtime/invocation/{id}/error      recorded (the run then fails), answered 202
  POST /2018-06-01/runtime/init/error                 recorded (the run then fails), answered 202
After N events it closes the next /next connection without an answer and stops listening, which ends
both bootstrap (exit 5) and the tutorial's shell runtime (curl fails under set -e).

The server is one thread with plain blocking sockets and no HTTP framework, serving one connection at a
time (a runtime makes its requests one after another), and every answer says "Connection: close"
(bootstrap opens one connection per request; curl exits after each). It measures, with
time.perf_counter_ns:
  init      the runtime's start (just before exec) to the first /next request arriving;
  rtt       per invocation: the event handed to the kernel to the /response POST read in full, i.e. the
            runtime reading the event, running the handler, connecting and posting;
  cycle     per invocation: one event served to the next one served (rtt plus the next /next request);
  wall      the first event served to the last response received; invocations/s = N / wall;
and, less sensitive to a noisy machine, CPU time (user + system) per invocation:
  server    the server's own thread (accepting, reading, parsing, answering), so that its share of
            rtt can be judged;
  runtime   the runtime process and the children it waited for (wait4), start-up included.
Prints one JSON object on stdout. Exits 1 when the runtime answers anything but N responses.
Usage: lambda_api.py --events N [--event JSON] [--expect TEXT] -- RUNTIME [ARGS...]
"""
import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time

PREFIX = b"/2018-06-01/runtime"
MAX_REQUEST = 1 << 20
FAR_DEADLINE = b"4102444800000"  # 2100-01-01, in ms


def parse_request(buf):
    """Returns (method, path, body) once buf holds a whole request, None before, ValueError if bad."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if len(buf) > MAX_REQUEST:
            raise ValueError("request head too long")
        return None
    lines = buf[:end].split(b"\r\n")
    method, path, _ = lines[0].split(b" ", 2)
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding":
            raise ValueError("chunked request bodies are not served here")
    if length > MAX_REQUEST:
        raise ValueError("request body too long")
    if len(buf) < end + 4 + length:
        return None
    return method, path, buf[end + 4:end + 4 + length]


def percentile(sorted_values, q):
    """The nearest-rank q-quantile of a sorted list."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, required=True)
    ap.add_argument("--event", default='{"action":"infer","seed":7}')
    ap.add_argument("--expect", default=None, help="text every response body must contain")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("runtime", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.runtime[1:] if args.runtime[:1] == ["--"] else args.runtime
    if not cmd or args.events < 1:
        ap.error("need --events N >= 1 and a runtime command after --")
    event = args.event.encode()

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)

    n = args.events
    served = 0  # events handed out
    sent_at = {}  # request id -> ns the event was written
    rtt = []
    served_at = []
    last_response = 0
    bad = []
    first_next = None

    env = dict(os.environ)
    env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:%d" % lsock.getsockname()[1]
    errfile = tempfile.TemporaryFile()
    t_spawn = time.perf_counter_ns()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=errfile)
    deadline = time.monotonic() + args.timeout
    cpu0 = time.thread_time_ns()
    reaped = None  # what wait4 said once the runtime has exited

    def reply(status, headers=b"", body=b""):
        return (b"HTTP/1.1 " + status + b"\r\n" + headers + b"Content-Length: " + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n" + body)

    # One connection at a time: both runtimes make their requests one after another.
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            bad.append("timed out after %g s" % args.timeout)
            break
        lsock.settimeout(min(left, 1.0))
        try:
            s, _ = lsock.accept()
        except socket.timeout:
            reaped = os.wait4(proc.pid, os.WNOHANG)
            if reaped[0]:
                bad.append("the runtime exited (status %d) before the events were served" % reaped[1])
                break
            continue
        t_accept = time.perf_counter_ns()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(max(left, 0.1))
        buf, req = b"", None
        try:
            while req is None:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
                req = parse_request(buf)
        except (OSError, ValueError) as e:
            bad.append("reading a request: %s" % e)
        if req is None:
            s.close()
            continue
        method, path, body = req
        now = time.perf_counter_ns()
        rid = None
        if method == b"GET" and path == PREFIX + b"/invocation/next":
            if first_next is None:
                first_next = t_accept
            if served == n:
                s.close()  # the API goes away: no answer
                break
            served += 1
            rid = b"bench-%06d" % served
            out = reply(b"200 OK",
                        b"Lambda-Runtime-Aws-Request-Id: " + rid + b"\r\n"
                        b"Lambda-Runtime-Deadline-Ms: " + FAR_DEADLINE + b"\r\n"
                        b"Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1\r\n"
                        b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:1:function:bench\r\n"
                        b"Content-Type: application/json\r\n", event)
        elif method == b"POST" and path.startswith(PREFIX + b"/invocation/"):
            parts = path[len(PREFIX):].split(b"/")
            key = parts[2] if len(parts) == 4 else b""
            t0 = sent_at.pop(key, None)
            if t0 is None or parts[3] not in (b"response", b"error"):
                bad.append("unexpected %s" % path.decode(errors="replace"))
            elif parts[3] == b"error":
                bad.append("%s: error: %s" % (key.decode(), body[:200].decode(errors="replace")))
            elif args.expect and args.expect.encode() not in body:
                bad.append("%s: unexpected response: %s" % (key.decode(), body[:200].decode(errors="replace")))
            else:
                rtt.append(now - t0)
                last_response = now
            out = reply(b"202 Accepted", b"", b"{}")
        elif method == b"POST" and path == PREFIX + b"/init/error":
            bad.append("init error: " + body[:200].decode(errors="replace"))
            out = reply(b"202 Accepted", b"", b"{}")
        else:
            bad.append("unknown route %s %s" % (method.decode(errors="replace"), path.decode(errors="replace")))
            out = reply(b"404 Not Found")
        if rid:
            # An event is timed from the moment it is handed to the kernel: on loopback the send itself
            # delivers it and may run the woken runtime before it returns.
            t = time.perf_counter_ns()
            sent_at[rid] = t
            served_at.append(t)
        try:
            s.sendall(out)
        except OSError as e:
            bad.append("answering %s: %s" % (path.decode(errors="replace"), e))
            sent_at.pop(rid, None)
        s.close()
    server_cpu = time.thread_time_ns() - cpu0
    lsock.close()
    # wait4 gives the runtime's CPU time, with that of the children it waited for (curl, grep, ...).
    while reaped is None or not reaped[0]:
        reaped = os.wait4(proc.pid, os.WNOHANG)
        if reaped[0]:
            break
        if time.monotonic() > deadline + 10:
            proc.kill()
            bad.append("the runtime did not exit when the API went away")
            reaped = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    _, status, usage = reaped
    proc.returncode = os.waitstatus_to_exitcode(status)
    runtime_cpu = usage.ru_utime + usage.ru_stime
    errfile.seek(0)
    stderr = errfile.read()[-4096:]
    rc = proc.returncode
    ok = len(rtt)
    wall = (last_response - served_at[0]) if rtt and served_at else None
    srt = sorted(rtt)
    cycles = sorted(b - a for a, b in zip(served_at, served_at[1:]))
    us = lambda v: None if v is None else round(v / 1000.0, 3)
    out = {
        "events": n,
        "responses": ok,
        "runtime_exit": rc,
        "init_ms": None if first_next is None else round((first_next - t_spawn) / 1e6, 3),
        "rtt_median_us": us(percentile(srt, 0.5)),
        "rtt_p99_us": us(percentile(srt, 0.99)),
        "rtt_mean_us": us(sum(srt) / len(srt)) if srt else None,
        "cycle_median_us": us(percentile(cycles, 0.5)),
        "wall_s": None if wall is None else round(wall / 1e9, 6),
        "invocations_per_s": None if not wall else round(ok / (wall / 1e9), 1),
        "server_cpu_per_invocation_us": us(server_cpu / max(ok, 1)),
        "runtime_cpu_per_invocation_us": us(runtime_cpu * 1e9 / max(ok, 1)),
        "errors": bad[:5],
        "stderr_tail": stderr.decode(errors="replace")[-600:],
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0 if ok == n and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
