#!/usr/bin/python3
"""A small fake registry for the registry tests, serving an OCI image layout
read-only on 127.0.0.1, with optional Bearer-token auth and faults.

usage: registry_fake.py LAYOUT PORTFILE LOG [--auth USER:PASS] [--expires N]
                        [--fault corrupt|truncate|garbage|hang|oversize|slow|flaky]

Any repository name maps to the layout; tags are the layout's ref names.
With --auth, /v2/ and content need "Bearer <token>" issued by /token (which
wants Basic USER:PASS; anonymous requests are refused). Every request is
appended to LOG as "METHOD PATH AUTHKIND". The chosen port is written to
PORTFILE once listening.
"""
import argparse, base64, hashlib, json, os, secrets, socketserver, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

A = None
TOKENS = {}
LOCK = threading.Lock()

def log(line):
    with LOCK, open(A.log, "a") as f:
        f.write(line + "\n")

def blob_path(d):
    return os.path.join(A.layout, "blobs", "sha256", d.split(":", 1)[1])

def ref_digest(ref):
    if ref.startswith("sha256:"):
        return ref
    idx = json.load(open(os.path.join(A.layout, "index.json")))
    for m in idx["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref:
            return m["digest"]
    return None

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, ecode, msg, headers=None):
        body = json.dumps({"errors": [{"code": ecode, "message": msg}]}).encode()
        self.send(code, body, dict({"Content-Type": "application/json"}, **(headers or {})))

    def authorized(self):
        if not A.auth:
            return True
        h = self.headers.get("Authorization", "")
        if h.startswith("Bearer ") and TOKENS.get(h[7:], 0) > time.time():
            return True
        port = self.server.server_address[1]
        scope = ""
        parts = self.path.split("/")
        if len(parts) > 3 and parts[1] == "v2":
            name = "/".join(parts[2:-2])
            scope = f',scope="repository:{name}:pull"'
        self.error(401, "UNAUTHORIZED", "authentication required",
                   {"WWW-Authenticate": f'Bearer realm="http://127.0.0.1:{port}/token",service="fake"{scope}'})
        return False

    def do_GET(self):
        kind = self.headers.get("Authorization", "none").split(" ")[0]
        rng = self.headers.get("Range")
        log(f"{self.command} {self.path} {kind}" + (f" range={rng}" if rng else ""))
        if A.fault == "garbage":
            self.wfile.write(b"this is not HTTP at all\r\n\r\n")
            self.close_connection = True
            return
        if A.fault == "hang":
            time.sleep(60)
            return
        if self.path.startswith("/token"):
            want = "Basic " + base64.b64encode(A.auth.encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.error(401, "UNAUTHORIZED", "bad credentials")
            tok = secrets.token_hex(16)
            TOKENS[tok] = time.time() + A.expires
            return self.send(200, json.dumps({"token": tok, "expires_in": A.expires}).encode(),
                             {"Content-Type": "application/json"})
        if not self.authorized():
            return
        if self.path == "/v2/":
            return self.send(200, b"{}", {"Content-Type": "application/json"})
        parts = self.path.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.error(404, "NOT_FOUND", "no route")
        kind, ref = parts[-2], parts[-1]
        if kind == "manifests":
            d = ref_digest(ref)
            if not d or not os.path.exists(blob_path(d)):
                return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            data = open(blob_path(d), "rb").read()
            mt = json.loads(data).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
            return self.send(200, data, {"Content-Type": mt, "Docker-Content-Digest": d})
        if kind == "blobs":
            if not os.path.exists(blob_path(ref)):
                return self.error(404, "BLOB_UNKNOWN", "blob unknown")
            data = open(blob_path(ref), "rb").read()
            config = data[:1] == b"{"
            if A.fault == "corrupt" and not config:
                data = data[:-1] + bytes([data[-1] ^ 0xff])
            if A.fault == "oversize" and not config:
                data = data + b"\0" * 4096
            if A.fault == "truncate" and not config:
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if A.fault == "flaky" and not config:
                rng = self.headers.get("Range", "")
                if rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0])
                    return self.send(206, data[start:], {"Content-Type": "application/octet-stream",
                                                         "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"})
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 3])
                self.wfile.flush()
                self.close_connection = True
                return
            if A.fault == "slow" and not config:
                # Four pieces, 0.4 s apart: slow enough to interrupt, or to outlive a token.
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                step = (len(data) + 3) // 4
                for i in range(0, len(data), step):
                    self.wfile.write(data[i:i + step])
                    self.wfile.flush()
                    time.sleep(0.4)
                return
            return self.send(200, data, {"Content-Type": "application/octet-stream"})
        return self.error(404, "NOT_FOUND", "no route")

    do_HEAD = do_GET

def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("layout")
    ap.add_argument("portfile")
    ap.add_argument("log")
    ap.add_argument("--auth", default="")
    ap.add_argument("--expires", type=int, default=300)
    ap.add_argument("--fault", default="")
    A = ap.parse_args()
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    with open(A.portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(A.portfile + ".tmp", A.portfile)
    srv.serve_forever()

if __name__ == "__main__":
    main()
