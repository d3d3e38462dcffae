"""Counts of one runtime's runtime-tools validation run (scripts/oci-validation.sh).

usage: oci_validation_summary.py OUTDIR [-v]
OUTDIR holds NAME.tap (a program's TAP output) and NAME.err (its stderr and
a last line rc=N). A program passes when it has no "not ok", no error
diagnostic before its first test (how the hook programs report a failure)
and exit status 0. Exits 1 when a program failed.
"""
import os
import re
import sys


def program(tap, err):
    m = re.search(r"rc=(\d+)", err)
    rc = int(m.group(1)) if m else -1
    ok = skip = fail = 0
    before_first = inblock = False
    for line in tap.splitlines():
        if line.startswith("TAP version"):
            before_first = True
        elif line.startswith("ok "):
            before_first = False
            if "# SKIP" in line:
                skip += 1
            else:
                ok += 1
        elif line.startswith("not ok "):
            before_first = False
            fail += 1
        elif line == "  ---" and before_first:
            inblock = True
        elif line == "  ...":
            inblock = False
        elif inblock and line.startswith('    "error"'):
            fail += 1
    return ok, fail, skip, rc


def main():
    d = sys.argv[1]
    tot = {"ok": 0, "fail": 0, "skip": 0, "progs": 0, "passed": 0}
    rows = []
    for f in sorted(os.listdir(d)):
        if not f.endswith(".tap"):
            continue
        n = f[:-4]
        with open(os.path.join(d, f), errors="replace") as t, open(os.path.join(d, n + ".err"), errors="replace") as e:
            ok, fail, skip, rc = program(t.read(), e.read())
        passed = fail == 0 and rc == 0
        for k, v in (("ok", ok), ("fail", fail), ("skip", skip), ("progs", 1), ("passed", passed)):
            tot[k] += v
        rows.append("  %-34s %4d ok %3d failed %3d skipped%s" % (
            n, ok, fail, skip, "" if passed else "  FAILED" + ("" if rc == 0 else " (exit %d)" % rc)))
    print("assertions: %(ok)d passed, %(fail)d failed, %(skip)d skipped; programs: %(passed)d of %(progs)d passed" % tot)
    if "-v" in sys.argv:
        print("\n".join(rows))
    return 0 if tot["passed"] == tot["progs"] else 1


if __name__ == "__main__":
    sys.exit(main())
