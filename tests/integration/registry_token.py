#!/usr/bin/python3
"""A token server for Debian's docker-registry (auth: token), on 127.0.0.1.

Issues RS256 JWTs the registry verifies against the certificate written
to CERT (the token's x5c header carries it, the registry's rootcertbundle
trusts it): GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=...]
with Basic credentials USER:PASSWORD grants what was asked; anonymous
requests get a token with no access; wrong credentials get 401. Each
request is logged to LOG as "GET /token <scopes> <user|->".

Usage: registry_token.py CERT PORTFILE LOG --users bob:pw[,...] [--service S] [--issuer I]
"""
import argparse, base64, datetime, http.server, json, os, secrets, socketserver, sys, threading, time
from urllib.parse import urlparse, parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

A = None
KEY = None
CERT_DER = None
LOCK = threading.Lock()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def make_cert(path):
    global KEY, CERT_DER
    KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "engine test token issuer")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(KEY.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(KEY, hashes.SHA256()))
    CERT_DER = cert.public_bytes(serialization.Encoding.DER)
    with open(path + ".tmp", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.rename(path + ".tmp", path)


def token(sub, access):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(CERT_DER).decode()]}
    claims = {"iss": A.issuer, "sub": sub, "aud": A.service, "exp": now + 300, "nbf": now - 10, "iat": now,
              "jti": secrets.token_hex(8), "access": access}
    signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = KEY.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing + "." + b64url(sig)


def parse_scopes(scopes):
    access = []
    for s in scopes:
        for one in s.split(" "):
            parts = one.split(":")
            if len(parts) < 3:
                continue
            access.append({"type": parts[0], "name": ":".join(parts[1:-1]), "actions": parts[-1].split(",")})
    return access


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urlparse(self.path)
        if u.path != "/token":
            return self.send(404, b"{}")
        q = parse_qs(u.query)
        user = None
        h = self.headers.get("Authorization", "")
        if h.startswith("Basic "):
            try:
                user, pw = base64.b64decode(h[6:]).decode().split(":", 1)
            except Exception:
                return self.send(400, b'{"details":"bad Basic header"}')
            if A.users.get(user) != pw:
                with LOCK, open(A.log, "a") as f:
                    f.write("GET /token refused %s\n" % user)
                return self.send(401, b'{"details":"wrong credentials"}')
        scopes = q.get("scope", [])
        access = parse_scopes(scopes) if user else []
        with LOCK, open(A.log, "a") as f:
            f.write("GET /token %s %s\n" % (" ".join(scopes) or "-", user or "-"))
        tok = token(user or "", access)
        self.send(200, json.dumps({"token": tok, "access_token": tok, "expires_in": 300}).encode())


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("cert")
    ap.add_argument("portfile")
    ap.add_argument("log")
    ap.add_argument("--users", required=True)
    ap.add_argument("--service", default="engine-test-registry")
    ap.add_argument("--issuer", default="engine-test-issuer")
    A = ap.parse_args()
    A.users = dict(u.split(":", 1) for u in A.users.split(","))
    make_cert(A.cert)
    srv = Server(("127.0.0.1", 0), Handler)
    with open(A.portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(A.portfile + ".tmp", A.portfile)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
