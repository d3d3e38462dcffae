#!/usr/bin/python3
"""A hostile registry for tests/escape/registry.sh, on 127.0.0.1.

usage: hostile_registry.py DIR MARKER_DIR

Listens on two ports: the registry, and "elsewhere" (another origin that
logs every request it gets). Writes DIR/ports ("REGISTRY ELSEWHERE N") once
listening (and the number of "evil" tags) and appends "PORT METHOD PATH AUTHORIZATION" per request to
DIR/requests. The repository name picks the misbehaviour:

  loop         the manifest redirects to itself with a new query, forever
  blobloop     a good manifest; its layer redirects to itself forever
  away         Bearer auth (realm /token, Basic alice:secret), the layer
               redirects to "elsewhere", which serves it
  basic        the same with Basic auth (alice:secret) instead of a token
  endless      the manifest is an endless chunked body
  endlessblob  the layer is an endless chunked body
  baddigest    any manifest digest asked for gets another manifest
  evil         tag N: an image of layer N of evil_layers(), hostile entries
"""
import base64, hashlib, io, json, os, secrets, sys, tarfile, threading
from http.server import ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import registry_fake  # noqa: E402

DIR, MARKER = sys.argv[1], sys.argv[2]
LOCK = threading.Lock()
TOKENS = set()
BLOBS = {}


def add_blob(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    BLOBS[d] = data
    return d


def tar(entries):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for ti, data in entries:
            ti.mtime = 1700000000
            if data is not None:
                ti.size = len(data)
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return raw.getvalue()


def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644, xattrs=None, dev=(0, 0)):
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.mode = kind, link, mode
    ti.devmajor, ti.devminor = dev
    if xattrs:
        ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
    return ti, (data if kind == tarfile.REGTYPE else None)


def plain_layer():
    return tar([entry("etc/", tarfile.DIRTYPE, mode=0o755), entry("etc/os-release", data=b"ID=hostile\n")])


def evil_layers():
    """One attack per layer (an unpack stops at its first refused entry)."""
    up = "../" * 12 + MARKER.lstrip("/")
    d = entry("dir/", tarfile.DIRTYPE, mode=0o755)
    return [tar([d] + a) for a in [
        # Links out of the layer, then an entry through them.
        [entry("out", tarfile.SYMTYPE, link=MARKER), entry("out/abs-through-link", data=b"escaped\n")],
        [entry("up", tarfile.SYMTYPE, link=up), entry("up/climb-through-link", data=b"escaped\n")],
        [entry("dir/in", tarfile.SYMTYPE, link="../" + up), entry("dir/in/deep-through-link", data=b"x")],
        # A hard link to a host file, by absolute and by climbing name,
        # and to a symlink that leads there.
        [entry("hard-abs", tarfile.LNKTYPE, link=MARKER + "/victim")],
        [entry("hard-up", tarfile.LNKTYPE, link=up + "/victim")],
        [entry("lnk", tarfile.SYMTYPE, link=MARKER + "/victim"), entry("hard-lnk", tarfile.LNKTYPE, link="lnk")],
        [entry("out", tarfile.SYMTYPE, link=MARKER), entry("hard-through", tarfile.LNKTYPE, link="out/victim")],
        # Whiteouts that would delete the host's victim through the links.
        [entry("out", tarfile.SYMTYPE, link=MARKER), entry("out/.wh.victim", data=b"")],
        [entry("up", tarfile.SYMTYPE, link=up), entry("up/.wh.victim", data=b"")],
        [entry("out", tarfile.SYMTYPE, link=MARKER), entry("out/.wh..wh..opq", data=b"")],
        [entry("dir/.wh..wh..opq/../../" + up + "/.wh.victim", data=b"")],
        [entry("dir/.wh....", data=b"")],
        # Climbing and absolute names.
        [entry(up + "/climbed", data=b"escaped\n")],
        [entry(MARKER + "/absolute", data=b"escaped\n")],
        # Overlay's own xattrs would steer the kernel's merge (a redirect
        # of this directory to /, an opaque flag), and the rootless
        # owner override would make a setuid-root file of a plain one.
        [entry("redir/", tarfile.DIRTYPE, mode=0o755,
               xattrs={"trusted.overlay.redirect": "/", "trusted.overlay.opaque": "y",
                       "user.overlay.redirect": "/"}),
         entry("redir/f", data=b"f\n", xattrs={"user.containers.override_stat": "0:0:04755"})],
        # A device node (the device cgroup keeps it from opening).
        [entry("kmsg", tarfile.CHRTYPE, mode=0o666, dev=(1, 11))],
    ]]


def image(layers):
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "config": {"Cmd": ["/probe"]},
                         "rootfs": {"type": "layers", "diff_ids": [
                             "sha256:" + hashlib.sha256(l).hexdigest() for l in layers]}}).encode()
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": add_blob(config), "size": len(config)},
         "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                     "digest": add_blob(l), "size": len(l)} for l in layers]}
    data = json.dumps(m).encode()
    return data, add_blob(data)


PLAIN, PLAIN_DIGEST = image([plain_layer()])
EVIL = [image([l]) for l in evil_layers()]
PLAIN_LAYER = json.loads(PLAIN)["layers"][0]["digest"]
OTHER, OTHER_DIGEST = image([tar([entry("other", data=b"other\n")])])


class H(registry_fake.H):
    """registry_fake's handler for its send(); every answer is ours."""

    def endless(self, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * 65536
        try:
            for _ in range(16384):  # 1 GiB, then give up
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass
        self.close_connection = True

    def manifest(self, data, digest):
        self.send(200, data, {"Content-Type": "application/vnd.oci.image.manifest.v1+json",
                              "Docker-Content-Digest": digest})

    def do_GET(self):
        port = self.server.server_address[1]
        auth = self.headers.get("Authorization", "-")
        with LOCK, open(os.path.join(DIR, "requests"), "a") as f:
            f.write(f"{port} {self.command} {self.path} {auth}\n")
        if port == ELSEWHERE:
            d = self.path.rsplit("/", 1)[-1]
            return self.send(200, BLOBS.get(d, b""), {"Content-Type": "application/octet-stream"})
        if self.path.startswith("/token"):
            if auth != "Basic " + base64.b64encode(b"alice:secret").decode():
                return self.send(401)
            tok = secrets.token_hex(16)
            TOKENS.add(tok)
            return self.send(200, json.dumps({"token": tok}).encode(), {"Content-Type": "application/json"})
        if self.path == "/v2/":
            return self.send(200, b"{}", {"Content-Type": "application/json"})
        parts = self.path.split("?")[0].split("/")
        if len(parts) != 5 or parts[1] != "v2":
            return self.send(404)
        repo, kind, ref = parts[2], parts[3], parts[4]
        if repo == "basic" and auth != "Basic " + base64.b64encode(b"alice:secret").decode():
            return self.send(401, b"{}", {"WWW-Authenticate": 'Basic realm="h"'})
        if repo == "away" and not (auth.startswith("Bearer ") and auth[7:] in TOKENS):
            return self.send(401, b"{}", {"WWW-Authenticate":
                                          f'Bearer realm="http://127.0.0.1:{port}/token",service="h",'
                                          f'scope="repository:away:pull"'})
        n = int(self.path.split("?r=")[1]) if "?r=" in self.path else 0
        again = {"Location": self.path.split("?")[0] + f"?r={n + 1}"}
        if kind == "manifests":
            if repo == "loop":
                return self.send(302, b"", again)
            if repo == "endless":
                return self.endless("application/vnd.oci.image.manifest.v1+json")
            if repo == "baddigest":
                return self.manifest(OTHER, ref if ref.startswith("sha256:") else OTHER_DIGEST)
            if repo == "evil":
                return self.manifest(*EVIL[int(ref)]) if ref.isdigit() and int(ref) < len(EVIL) else self.send(404)
            return self.manifest(PLAIN, PLAIN_DIGEST)
        if kind == "blobs":
            if ref not in BLOBS:
                return self.send(404)
            if ref == PLAIN_LAYER and repo == "blobloop":
                return self.send(302, b"", again)
            if ref == PLAIN_LAYER and repo == "endlessblob":
                return self.endless("application/octet-stream")
            if ref == PLAIN_LAYER and repo in ("away", "basic"):
                return self.send(307, b"", {"Location": f"http://127.0.0.1:{ELSEWHERE}/blob/{ref}"})
            return self.send(200, BLOBS[ref], {"Content-Type": "application/octet-stream"})
        return self.send(404)

    do_HEAD = do_GET


reg = ThreadingHTTPServer(("127.0.0.1", 0), H)
other = ThreadingHTTPServer(("127.0.0.1", 0), H)
reg.daemon_threads = other.daemon_threads = True
ELSEWHERE = other.server_address[1]
threading.Thread(target=other.serve_forever, daemon=True).start()
with open(os.path.join(DIR, "ports.tmp"), "w") as f:
    f.write(f"{reg.server_address[1]} {ELSEWHERE} {len(EVIL)}\n")
os.rename(os.path.join(DIR, "ports.tmp"), os.path.join(DIR, "ports"))
reg.serve_forever()
