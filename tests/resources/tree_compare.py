#!/usr/bin/python3
"""Compare two directory trees the way an image unpacker must reproduce
them: paths, file types, modes (incl. setuid/setgid/sticky), owners, sizes,
content hashes, symlink targets, device numbers and hardlink groups.
Exit 0 when equal; otherwise print each difference and exit 1."""
import hashlib
import os
import stat
import sys


def scan(root):
    out = {}
    inodes = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            rec = {
                "type": stat.S_IFMT(st.st_mode),
                "mode": oct(stat.S_IMODE(st.st_mode)),
                "owner": (st.st_uid, st.st_gid),
            }
            if stat.S_ISREG(st.st_mode):
                rec["size"] = st.st_size
                with open(path, "rb") as f:
                    rec["sha256"] = hashlib.sha256(f.read()).hexdigest()
                inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
            elif stat.S_ISLNK(st.st_mode):
                rec["target"] = os.readlink(path)
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                rec["rdev"] = (os.major(st.st_rdev), os.minor(st.st_rdev))
            out[rel] = rec
    for group in inodes.values():
        group.sort()
        for rel in group:
            out[rel]["links"] = tuple(group)
    return out


def main():
    a, b = scan(sys.argv[1]), scan(sys.argv[2])
    diffs = []
    for rel in sorted(set(a) | set(b)):
        if rel not in a:
            diffs.append("only in %s: %s" % (sys.argv[2], rel))
        elif rel not in b:
            diffs.append("only in %s: %s" % (sys.argv[1], rel))
        elif a[rel] != b[rel]:
            diffs.append("%s: %r != %r" % (rel, a[rel], b[rel]))
    for d in diffs:
        print(d)
    if not a:
        print("empty tree: %s" % sys.argv[1])
        return 1
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
