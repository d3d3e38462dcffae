#!/bin/sh
# Registry authentication: Basic (docker-registry with an htpasswd file)
# and the Bearer token flow (a fake registry with its own token endpoint).
# Anonymous pulls are refused, wrong credentials are refused at login,
# right ones are stored 0600 and never printed, tokens are reused.
. "$(dirname "$0")/registry_common.inc"

HTP=$($PY -W ignore -c "import crypt; print('alice:' + crypt.crypt('s3cret-pw', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))" 2>/dev/null)
case "$HTP" in alice:\$2*) ;; *) echo "skipped: no bcrypt in python's crypt"; exit 77 ;; esac
printf '%s\n' "$HTP" > "$T/htpasswd"
start_registry basic "" "$T/htpasswd"
B=127.0.0.1:$REG_PORT
A_ID=$(fixture a --layers 2000,3000)
seed a "$B/team/a:1" --dest-creds alice:s3cret-pw

R=$T/r1
expect_fail "anonymous pull refused" "authentication required" "$E" --root "$R" pull "$B/team/a:1"
contains "names the registry" "registry $B"
echo "wrong" > "$T/wrong"
expect_fail "wrong password refused" "credentials refused" sh -c "'$E' --root '$R' login -u alice --password-stdin $B < '$T/wrong'"
[ ! -e "$R/auth.json" ] || ! grep -q "$B" "$R/auth.json" && ok "nothing stored for a failed login" || fail "stored bad creds"
echo "s3cret-pw" > "$T/right"
expect_ok "login" sh -c "'$E' --root '$R' login -u alice --password-stdin $B < '$T/right'"
contains "login message" "Login Succeeded"
[ "$(stat -c %a "$R/auth.json")" = 600 ] && ok "auth.json is 0600" || fail "auth.json mode $(stat -c %a "$R/auth.json")"
grep -q "s3cret-pw" "$R/auth.json" && fail "password in clear in auth.json" || ok "password not in clear"
grep -q "$(printf 'alice:s3cret-pw' | base64)" "$R/auth.json" && ok "docker config.json style auth" || fail "auth.json format"
expect_ok "pull with basic credentials" "$E" --root "$R" --debug pull "$B/team/a:1"
lacks "password never logged" "s3cret-pw"
lacks "credentials never logged" "$(printf 'alice:s3cret-pw' | base64)"
[ "$(image_id "$R" "$B/team/a:1")" = "$A_ID" ] && ok "basic-auth image ID" || fail "basic-auth image ID"
expect_ok "logout" "$E" --root "$R" logout "$B"
expect_fail "pull after logout" "authentication required" "$E" --root "$T/r1b" pull "$B/team/a:1"
cp "$R/auth.json" "$T/auth.json.saved"
expect_ok "logout twice" "$E" --root "$R" logout "$B"
contains "not logged in" "Not logged in"

# Bearer tokens from a token server.
[ "$(fixture 1 --layers 2000,3000)" = "$A_ID" ] || fail "fixture not deterministic"
start_fake token "$T/layout" --auth bob:hunter22
K=127.0.0.1:$FAKE_PORT
R=$T/r2
expect_fail "anonymous token refused" "refused anonymous access" "$E" --root "$R" pull "$K/team/a:1"
contains "names the reference" "$K/team/a:1"
expect_fail "wrong token credentials" "refused the credentials" sh -c "echo nope | '$E' --root '$R' login -u bob --password-stdin $K"
expect_ok "token login" sh -c "echo hunter22 | '$E' --root '$R' login -u bob --password-stdin $K"
: > "$T/token.requests"
expect_ok "pull with a token" "$E" --root "$R" pull "$K/team/a:1"
[ "$(image_id "$R" "$K/team/a:1")" = "$A_ID" ] && ok "token image ID" || fail "token image ID"
n_tok=$(grep -c "^GET /token" "$T/token.requests")
n_bearer=$(grep -c " Bearer$" "$T/token.requests")
[ "$n_tok" = 1 ] && ok "one token for the whole pull" || fail "$n_tok token requests"
[ "$n_bearer" -ge 4 ] && ok "token reused for $n_bearer requests" || fail "token used $n_bearer times"
grep -q "scope=repository%3Ateam%2Fa%3Apull" "$T/token.requests" && ok "token scoped to the repository" ||
	fail "token scope: $(cat "$T/token.requests")"

# A token that expires during the pull: the 401 is answered with a new one.
[ "$(fixture 2 --layers 1000,1000,1000,1000 --seed 9)" != "" ] || fail "fixture"
start_fake expiring "$T/layout" --auth bob:hunter22 --expires 1 --fault slow
K=127.0.0.1:$FAKE_PORT
R=$T/r3
expect_ok "token login (short-lived tokens)" sh -c "echo hunter22 | '$E' --root '$R' login -u bob --password-stdin $K"
: > "$T/expiring.requests"
expect_ok "pull outliving its token" "$E" --root "$R" pull "$K/team/b:2"
n_tok=$(grep -c "^GET /token" "$T/expiring.requests")
[ "$n_tok" -ge 2 ] && ok "token renewed after a 401 ($n_tok tokens)" || fail "$n_tok token requests"

finish
