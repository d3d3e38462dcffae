#!/usr/bin/python3
"""Rewrite one layer blob of an OCI layout (the first manifest of its
index) and give the manifest and the index the new digest and size, so the
layout stays consistent:

    layout_edit.py LAYOUT INDEX trail   bytes appended after the gzip stream
    layout_edit.py LAYOUT INDEX flip    a run of bytes in the middle inverted
"""
import hashlib
import json
import sys


def put(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(f"{layout}/blobs/sha256/{digest}", "wb") as f:
        f.write(data)
    return "sha256:" + digest


def main():
    layout, idx, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(f"{layout}/index.json") as f:
        index = json.load(f)
    mdesc = index["manifests"][0]
    with open(f"{layout}/blobs/sha256/{mdesc['digest'][7:]}") as f:
        manifest = json.load(f)
    layer = manifest["layers"][idx]
    with open(f"{layout}/blobs/sha256/{layer['digest'][7:]}", "rb") as f:
        data = bytearray(f.read())
    if how == "trail":
        data += b"\0" * 1000 + b"not gzip"
    elif how == "flip":
        mid = len(data) // 2
        for i in range(mid, min(mid + 64, len(data) - 8)):
            data[i] ^= 0xFF
    else:
        sys.exit(f"unknown edit {how}")
    layer["digest"], layer["size"] = put(layout, bytes(data)), len(data)
    mbytes = json.dumps(manifest).encode()
    mdesc["digest"], mdesc["size"] = put(layout, mbytes), len(mbytes)
    with open(f"{layout}/index.json", "w") as f:
        json.dump(index, f)


if __name__ == "__main__":
    main()
