#!/bin/sh
# engine build prints Docker's classic builder output: Step N/M, Using cache,
# Running in / Removing intermediate container, Successfully built/tagged;
# a failing RUN exits with its status and tags nothing.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_engine_root build
it_tmpdir
tmp=$T
e() { E "$@"; }
fail() { echo "FAIL: $*"; echo "--- output:"; cat "$tmp/out"; exit 1; }

e default >/dev/null || fail "default image"
mkdir "$tmp/ctx"
printf 'FROM busybox\nRUN echo "a"\nRUN echo "b"\n' > "$tmp/ctx/Dockerfile"
e build -t demo:1 "$tmp/ctx" > "$tmp/out" 2>&1 || fail "first build"
# Everything but the ids, which differ per run.
sed -E 's/[0-9a-f]{12}/ID/g' "$tmp/out" > "$tmp/norm"
cat > "$tmp/want" <<'OUT'
Step 1/3 : FROM busybox
 ---> ID
Step 2/3 : RUN echo "a"
 ---> Running in ID
a
Removing intermediate container ID
 ---> ID
Step 3/3 : RUN echo "b"
 ---> Running in ID
b
Removing intermediate container ID
 ---> ID
Successfully built ID
Successfully tagged demo:1
OUT
diff -u "$tmp/want" "$tmp/norm" || fail "first build output"
built=$(sed -n 's/^Successfully built //p' "$tmp/out")
e images | grep -q "^demo  *1  *$built" || fail "demo:1 is not $built"

printf 'FROM busybox\nRUN echo "a"\nRUN echo "poulet"\n' > "$tmp/ctx/Dockerfile"
e build -t demo "$tmp/ctx" > "$tmp/out" 2>&1 || fail "second build"
sed -E 's/[0-9a-f]{12}/ID/g' "$tmp/out" > "$tmp/norm"
cat > "$tmp/want" <<'OUT'
Step 1/3 : FROM busybox
 ---> ID
Step 2/3 : RUN echo "a"
 ---> Using cache
 ---> ID
Step 3/3 : RUN echo "poulet"
 ---> Running in ID
poulet
Removing intermediate container ID
 ---> ID
Successfully built ID
Successfully tagged demo:latest
OUT
diff -u "$tmp/want" "$tmp/norm" || fail "second build output"

# Removing an image makes its cache entries prunable; the others stay.
e rmi demo:1 > /dev/null 2>&1 || fail "rmi demo:1"
e builder prune -f > "$tmp/out" 2>&1 || fail "builder prune"
grep -qx 'Deleted build cache entries: [1-9][0-9]*' "$tmp/out" || fail "builder prune output"
e build -t demo "$tmp/ctx" > "$tmp/out" 2>&1 || fail "third build"
[ "$(grep -c 'Using cache' "$tmp/out")" -eq 2 ] || fail "cache entries of remaining images were dropped"

# -f is relative to the current directory; --build-arg reaches ARG.
printf 'FROM busybox\nARG WHO=nobody\nRUN echo "hi $WHO"\n' > "$tmp/Other.dockerfile"
(cd "$tmp" && e build -f Other.dockerfile --build-arg WHO=me "$tmp/ctx") > "$tmp/out" 2>&1 || fail "-f build"
grep -qx 'hi me' "$tmp/out" || fail "-f / --build-arg output"

# -f - reads the Dockerfile from stdin.
printf 'FROM busybox\nRUN echo from-stdin\n' | e build -f - "$tmp/ctx" > "$tmp/out" 2>&1 || fail "-f - build"
grep -qx 'from-stdin' "$tmp/out" || fail "-f - output"

# -q prints the full ID only.
e build -q "$tmp/ctx" > "$tmp/out" 2>&1 || fail "quiet build"
grep -qx 'sha256:[0-9a-f]\{64\}' "$tmp/out" || fail "quiet output"

# A failing RUN: Docker's message, its exit status, no tag.
printf 'FROM busybox\nRUN exit 3\n' > "$tmp/ctx/Dockerfile"
e build -t broken "$tmp/ctx" > "$tmp/out" 2>&1
[ $? -eq 3 ] || fail "failing build status"
grep -qx "The command '/bin/sh -c exit 3' returned a non-zero code: 3" "$tmp/out" || fail "failing build message"
e images | grep -q '^broken' && fail "broken was tagged"

# A syntax error names the file and line.
printf 'FROM busybox\nRUN true\nRUNN x\n' > "$tmp/ctx/Dockerfile"
e build "$tmp/ctx" > "$tmp/out" 2>&1 && fail "bad Dockerfile built"
grep -q "Dockerfile:3: unknown instruction: RUNN" "$tmp/out" || fail "syntax error message"
echo "ok"
