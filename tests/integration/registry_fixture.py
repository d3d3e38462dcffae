#!/usr/bin/python3
"""Build small OCI image layouts for the registry tests, deterministically.

usage: registry_fixture.py DIR TAG [--layers SPEC] [--arch ARCH] [--index ARCH,...]
                             [--seed S] [--docker] [--files N]

SPEC is a comma list of layer sizes in bytes of (incompressible) payload,
e.g. "1000,20000". Each layer is a gzip tar with one file /layerN/data plus,
for layer 0, a tiny /etc/os-release. With --index, DIR gets one image per
architecture under an image index tagged TAG. With --base DIR2/TAG2 the
layers of that layout's image come first (shared layers).
"""
import argparse, gzip, hashlib, io, json, os, random, tarfile

def blob(layout, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    p = os.path.join(layout, "blobs", "sha256", d[7:])
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    return d, len(data)

def text_files(rnd, prefix, total, nfiles):
    """Compressible, file-system-like content: nfiles files of base64 text."""
    import base64
    per = max(1, total // nfiles)
    return {f"{prefix}/f{i:05d}.txt": base64.encodebytes(rnd.randbytes(per * 3 // 4)) for i in range(nfiles)}

def make_layer(name, payload, extra=None):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(path, data, mode=0o644):
            ti = tarfile.TarInfo(path)
            ti.size = len(data)
            ti.mode = mode
            ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))
        for d in sorted({os.path.dirname(p) for p in [name] + list((extra or {}).keys())}):
            parts = d.split("/")
            for i in range(1, len(parts) + 1):
                sub = "/".join(parts[:i])
                if sub and sub not in t.getnames():
                    ti = tarfile.TarInfo(sub)
                    ti.type = tarfile.DIRTYPE
                    ti.mode = 0o755
                    ti.mtime = 1700000000
                    t.addfile(ti)
        add(name, payload)
        for p, data in sorted((extra or {}).items()):
            add(p, data)
    tar = raw.getvalue()
    gz = gzip.compress(tar, compresslevel=1, mtime=0)
    return tar, gz

def image(layout, sizes, arch, seed, docker, base_layers, files=0):
    rnd = random.Random(f"{seed}-{arch}")
    layers, diffs = list(base_layers[0]), list(base_layers[1])
    for i, size in enumerate(sizes):
        extra = {"etc/os-release": f"ID=fixture\nARCH={arch}\n".encode()} if i == 0 and not base_layers[0] else None
        if files:
            extra = dict(extra or {}, **text_files(rnd, f"layer{len(layers)}-{arch}/tree", size, files))
            payload = b"x"
        else:
            payload = rnd.randbytes(size)
        tar, gz = make_layer(f"layer{len(layers)}-{arch}/data", payload, extra)
        d, n = blob(layout, gz)
        mt = ("application/vnd.docker.image.rootfs.diff.tar.gzip" if docker
              else "application/vnd.oci.image.layer.v1.tar+gzip")
        layers.append({"mediaType": mt, "digest": d, "size": n})
        diffs.append("sha256:" + hashlib.sha256(tar).hexdigest())
    config = {
        "created": "2024-01-01T00:00:00Z", "architecture": arch, "os": "linux",
        "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["sh"], "Labels": {"seed": str(seed)}},
        "rootfs": {"type": "layers", "diff_ids": diffs},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "fixture"} for _ in diffs],
    }
    cd, cn = blob(layout, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": ("application/vnd.docker.distribution.manifest.v2+json" if docker
                      else "application/vnd.oci.image.manifest.v1+json"),
        "config": {"mediaType": ("application/vnd.docker.container.image.v1+json" if docker
                                 else "application/vnd.oci.image.config.v1+json"),
                   "digest": cd, "size": cn},
        "layers": layers,
    }
    md, mn = blob(layout, json.dumps(manifest, sort_keys=True).encode())
    return {"mediaType": manifest["mediaType"], "digest": md, "size": mn,
            "platform": {"architecture": arch, "os": "linux"}}, cd

def base_of(spec):
    if not spec:
        return [], []
    layout, tag = spec.rsplit(":", 1)
    idx = json.load(open(os.path.join(layout, "index.json")))
    for m in idx["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            man = json.load(open(os.path.join(layout, "blobs", "sha256", m["digest"][7:])))
            cfg = json.load(open(os.path.join(layout, "blobs", "sha256", man["config"]["digest"][7:])))
            return man["layers"], cfg["rootfs"]["diff_ids"]
    raise SystemExit(f"no {tag} in {layout}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("tag")
    ap.add_argument("--layers", default="1000")
    ap.add_argument("--arch", default="amd64")
    ap.add_argument("--index", default="")
    ap.add_argument("--seed", default="0")
    ap.add_argument("--docker", action="store_true")
    ap.add_argument("--base", default="")
    ap.add_argument("--files", type=int, default=0, help="per layer: that many compressible text files")
    a = ap.parse_args()
    sizes = [int(s) for s in a.layers.split(",") if s]
    os.makedirs(os.path.join(a.dir, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(a.dir, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    ipath = os.path.join(a.dir, "index.json")
    index = json.load(open(ipath)) if os.path.exists(ipath) else {"schemaVersion": 2, "manifests": []}
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != a.tag]
    base = base_of(a.base)
    if a.index:
        entries = [image(a.dir, sizes, arch, a.seed, a.docker, base)[0] for arch in a.index.split(",")]
        mt = ("application/vnd.docker.distribution.manifest.list.v2+json" if a.docker
              else "application/vnd.oci.image.index.v1+json")
        sub = {"schemaVersion": 2, "mediaType": mt, "manifests": entries}
        d, n = blob(a.dir, json.dumps(sub, sort_keys=True).encode())
        desc = {"mediaType": mt, "digest": d, "size": n}
        config = None
    else:
        desc, config = image(a.dir, sizes, a.arch, a.seed, a.docker, base, a.files)
        desc.pop("platform")
    desc["annotations"] = {"org.opencontainers.image.ref.name": a.tag}
    index["manifests"].append(desc)
    with open(ipath, "w") as f:
        json.dump(index, f)
    print(config or desc["digest"])

if __name__ == "__main__":
    main()
