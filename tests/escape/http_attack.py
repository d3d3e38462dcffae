#!/usr/bin/python3
"""Hostile clients of the daemon's socket, for tests/escape/http.sh.

usage: http_attack.py SOCKET COMMAND [ARGS...]; each prints one line per
attempt, "NAME: STATUS" (the HTTP status, "closed" when the daemon closed
the connection without an answer, "timeout" after 20 s).

  framing               broken chunked encodings, huge and many headers,
                        bad request lines, percent-encoded NULs and slashes
  json CONTAINER EXEC   malformed bodies on every POST endpoint
  hold N FILE           opens N connections, writes a partial request on
                        each, writes "held N" to FILE, then waits for stdin
                        to close
  hijack CONTAINER N    N attach and exec streams, each closed half way
"""
import json, socket, sys, time

SOCK = sys.argv[1]


def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(SOCK)
    return s


def exchange(raw, shut=False):
    s = conn()
    try:
        try:
            s.sendall(raw)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except (ConnectionResetError, BrokenPipeError):
            pass  # the answer may be there already
        data = b""
        while b"\r\n" not in data:
            c = s.recv(65536)
            if not c:
                break
            data += c
    except socket.timeout:
        return "timeout"
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    finally:
        s.close()
    if not data.startswith(b"HTTP/1."):
        return "closed"
    return data.split(b" ", 2)[1].decode()


def req(method, path, body=b"", headers=""):
    return (f"{method} {path} HTTP/1.1\r\nHost: d\r\n{headers}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def chunked(path, chunks, trailer=""):
    return (f"POST {path} HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n{chunks}{trailer}").encode()


def framing():
    body = '{"Name": "x"}'
    cases = {
        "chunk size negative": chunked("/volumes/create", "-1\r\nx\r\n0\r\n\r\n"),
        "chunk size over 64 bits": chunked("/volumes/create", "1" + "0" * 20 + "\r\nx\r\n0\r\n\r\n"),
        "chunk size 2^64-1": chunked("/volumes/create", "ffffffffffffffff\r\nx\r\n0\r\n\r\n"),
        "chunk size 2^63": chunked("/volumes/create", "8000000000000000\r\nx\r\n0\r\n\r\n"),
        "chunk size not hex": chunked("/volumes/create", "zz\r\nx\r\n0\r\n\r\n"),
        "chunk longer than its size": chunked("/volumes/create", "2\r\n" + body + "\r\n0\r\n\r\n"),
        "chunk extension 100 KiB": chunked("/volumes/create",
                                           "%x;%s\r\n%s\r\n0\r\n\r\n" % (len(body), "e" * 100000, body)),
        "trailer 1 MiB": chunked("/volumes/create", "%x\r\n%s\r\n0\r\n" % (len(body), body),
                                 "X-T: " + "t" * (1 << 20) + "\r\n\r\n"),
        "chunked over 16 MiB in small chunks": chunked("/volumes/create",
                                                       ("1000\r\n" + "[" * 4096 + "\r\n") * 5000 + "0\r\n\r\n"),
        "chunked and Content-Length": (f"POST /volumes/create HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\n"
                                       f"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n"
                                       % (len(body), body)).encode(),
        "negative Content-Length": req("POST", "/volumes/create", b"", "Content-Length: -5\r\n"),
        "Content-Length over 64 bits": req("POST", "/volumes/create", b"",
                                           "Content-Length: 99999999999999999999999\r\n"),
        "two Content-Lengths": req("POST", "/volumes/create", body.encode(), "Content-Length: 0\r\n"),
        "header line 1 MiB": req("GET", "/version", b"", "X-Big: " + "b" * (1 << 20) + "\r\n"),
        "100,000 headers": req("GET", "/version", b"", "X-A: a\r\n" * 100000),
        "request line 1 MiB": req("GET", "/version?" + "q" * (1 << 20)),
        "no HTTP version": b"GET /version\r\n\r\n",
        "HTTP/9.9": b"GET /version HTTP/9.9\r\nHost: d\r\n\r\n",
        "header without a colon": b"GET /version HTTP/1.1\r\nHost: d\r\nnocolon\r\n\r\n",
        "NUL in a header": b"GET /version HTTP/1.1\r\nHost: d\r\nX-N: a\0b\r\n\r\n",
        "bare LF line ends": b"GET /version HTTP/1.1\nHost: d\n\n",
        "path with ../..": req("GET", "/containers/../../../../etc/passwd/json"),
        "path with %2e%2e": req("GET", "/containers/%2e%2e%2f%2e%2e%2fetc/json"),
        "id with %2f": req("GET", "/containers/a%2fb/json"),
        "id with %00": req("GET", "/containers/a%00b/json"),
        "name with %00 on create": req("POST", "/containers/create?name=a%00b", b'{"Image":"busybox"}',
                                       "Content-Type: application/json\r\n"),
        "volume name with %2f": req("POST", "/volumes/create", b'{"Name": "..%2f..%2fx"}',
                                    "Content-Type: application/json\r\n"),
        "bad percent escape": req("GET", "/containers/%zz/json"),
        "absolute-form URL": b"GET http://evil/v1.41/version HTTP/1.1\r\nHost: d\r\n\r\n",
        "asterisk-form": b"OPTIONS * HTTP/1.1\r\nHost: d\r\n\r\n",
    }
    for name, raw in cases.items():
        # A size that is merely huge waits for its bytes: the client ends there.
        shut = name.startswith("chunked over") or name.startswith("chunk size 2^")
        print(f"{name}: {exchange(raw, shut=shut)}", flush=True)


def routes():
    return ["/auth", "/build/prune", "/containers/create", "/containers/prune", "/containers/{id}/start",
            "/containers/{id}/rename", "/containers/{id}/update", "/containers/{id}/resize",
            "/containers/{id}/exec", "/exec/{exec}/resize", "/commit", "/images/prune",
            "/images/busybox/tag", "/images/busybox/push", "/networks/create", "/networks/prune",
            "/networks/none/connect", "/networks/none/disconnect", "/volumes/create", "/volumes/prune",
            "/containers/{id}/pause", "/containers/{id}/unpause", "/containers/{id}/restart",
            "/containers/{id}/stop", "/containers/{id}/kill"]


def json_bodies():
    return {
        "truncated": b'{"Image": "busybox",',
        "not an object": b'[1, 2]',
        "null": b"null",
        "a string": b'"s"',
        "nested 100,000 deep": b"[" * 100000 + b"]" * 100000,
        "objects nested 100,000 deep": b'{"a":' * 100000 + b"1" + b"}" * 100000,
        "invalid UTF-8": b'{"Image": "\xff\xfe"}',
        "escaped NUL": b'{"Image": "busy\\u0000box", "Name": "a\\u0000b"}',
        "lone surrogate": b'{"Image": "\\ud800"}',
        "huge number": b'{"Memory": 1' + b"0" * 400 + b"}",
        "wrong types": b'{"Image": 1, "HostConfig": [], "Env": "x", "Name": {}}',
        "duplicate keys": b'{"Image": "busybox", "Image": {"x": 1}}',
        "trailing garbage": b'{} {}',
    }


def json_cmd(cid, eid):
    for r in routes():
        path = r.replace("{id}", cid).replace("{exec}", eid)
        for name, body in json_bodies().items():
            st = exchange(req("POST", path, body, "Content-Type: application/json\r\n"))
            print(f"POST {r} {name}: {st}", flush=True)


def hold(n, out):
    socks = []
    for i in range(n):
        try:
            s = conn()
            s.sendall(b"GET /version HTTP/1.1\r\nHo")
            socks.append(s)
        except OSError as e:
            print(f"connection {i}: {e.strerror}", flush=True)
            break
    with open(out, "w") as f:
        f.write(f"held {len(socks)}\n")
    sys.stdin.read()
    for s in socks:
        s.close()


def read_until(s, end):
    data = b""
    while end not in data:
        d = s.recv(4096)
        if not d:
            break
        data += d
    return data


def hijack(cid, n):
    seen = set()
    for i in range(n):
        for kind in ("attach", "exec"):
            s = conn()
            try:
                if kind == "attach":
                    path = f"/containers/{cid}/attach?stream=1&stdin=1&stdout=1&stderr=1"
                    s.sendall(req("POST", path, b"", "Connection: Upgrade\r\nUpgrade: tcp\r\n"))
                else:
                    c = conn()
                    c.sendall(req("POST", f"/containers/{cid}/exec",
                                  b'{"Cmd":["cat"],"AttachStdin":true,"AttachStdout":true}',
                                  "Content-Type: application/json\r\n"))
                    resp = read_until(c, b"}")
                    c.close()
                    eid = json.loads(resp.split(b"\r\n\r\n", 1)[1].split(b"\r\n")[-1] or b"{}").get("Id", "x") \
                        if b"\r\n\r\n" in resp else "x"
                    body = b'{"Detach":false,"Tty":false}'
                    s.sendall(req("POST", f"/exec/{eid}/start", body,
                                  "Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"))
                head = read_until(s, b"\r\n\r\n")
                seen.add(f"{kind} {head.split(b' ', 2)[1].decode() if head else 'closed'}")
                # Half a line of stdin, then gone: half-closed first, or reset.
                s.sendall(b"half a li")
                if i % 2:
                    s.shutdown(socket.SHUT_WR)
                    s.settimeout(1)
                    try:
                        s.recv(10)  # an attach streams on after stdin ends
                    except socket.timeout:
                        pass
            except (OSError, ValueError) as e:
                seen.add(f"{kind} error {e}")
            finally:
                if i % 3 == 0:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                s.close()
    for k in sorted(seen):
        print("hijack:", k)


cmd = sys.argv[2]
if cmd == "framing":
    framing()
elif cmd == "json":
    json_cmd(sys.argv[3], sys.argv[4])
elif cmd == "hold":
    hold(int(sys.argv[3]), sys.argv[4])
elif cmd == "hijack":
    hijack(sys.argv[3], int(sys.argv[4]))
