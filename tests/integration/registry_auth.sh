#!/bin/sh
# Registry authentication: Basic (docker-registry with an htpasswd file)
# and the Bearer token flow (a fake registry with its own token endpoint,
# and docker-registry checking the JWTs of registry_token.py).
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

# Bearer tokens with Debian's docker-registry (auth: token): a token server
# of the test's own signs RS256 JWTs that the registry checks against its
# certificate. Seeded by skopeo, then engine login, pull, push and a
# cross-repository mount, each under the scopes the registry asks for.
$PY "$H/registry_token.py" "$T/tok.pem" "$T/tok.port" "$T/tok.log" --users carol:t0ken-pw 2> "$T/tokpy.log" &
PIDS="$PIDS $!"
i=0
while [ ! -s "$T/tok.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$T/tok.port" ] || { cat "$T/tokpy.log"; exit 1; }
TOK_PORT=$(cat "$T/tok.port")
REG_PORT=$(freeport)
mkdir -p "$T/tokreg"
{
	echo "version: 0.1"
	echo "log: {level: error, accesslog: {disabled: true}}"
	echo "storage: {filesystem: {rootdirectory: $T/tokreg}, delete: {enabled: true}}"
	echo "http: {addr: 127.0.0.1:$REG_PORT}"
	echo "auth: {token: {realm: \"http://127.0.0.1:$TOK_PORT/token\", service: engine-test-registry,"
	echo "  issuer: engine-test-issuer, rootcertbundle: $T/tok.pem}}"
} > "$T/tokreg.yml"
docker-registry serve "$T/tokreg.yml" > "$T/tokreg.log" 2>&1 &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$REG_PORT/v2/" || { cat "$T/tokreg.log"; exit 1; }
J=127.0.0.1:$REG_PORT
seed 1 "$J/team/a:1" --dest-creds carol:t0ken-pw
grep -q "repository:team/a:pull,push carol" "$T/tok.log" && ok "skopeo pushed with a token" || fail "skopeo token: $(cat "$T/tok.log")"
R=$T/r4
expect_fail "anonymous pull: no access in the token" "authentication required" "$E" --root "$R" pull "$J/team/a:1"
expect_fail "token login with a wrong password" "refused the credentials" \
	sh -c "echo nope | '$E' --root '$R' login -u carol --password-stdin $J"
expect_ok "token login" sh -c "echo t0ken-pw | '$E' --root '$R' login -u carol --password-stdin $J"
: > "$T/tok.log"
expect_ok "pull through the registry's token auth" "$E" --root "$R" pull "$J/team/a:1"
[ "$(image_id "$R" "$J/team/a:1")" = "$A_ID" ] && ok "token pull image ID" || fail "token pull image ID"
[ "$(grep -c "repository:team/a:pull carol" "$T/tok.log")" = 1 ] && ok "one pull token" || fail "tokens: $(cat "$T/tok.log")"
"$E" --root "$R" tag "$J/team/a:1" "$J/team/b:1"
: > "$T/tok.log"
expect_ok "push with a token: a cross-repository mount" "$E" --root "$R" push "$J/team/b:1"
contains "mounted from the other repository" "Mounted from team/a"
grep -q "repository:team/b:pull,push" "$T/tok.log" && ok "push token scoped to the target" || fail "push scope: $(cat "$T/tok.log")"
grep -q "repository:team/a:pull" "$T/tok.log" && ok "mount source in the token's scope" || fail "mount scope: $(cat "$T/tok.log")"
expect_ok "skopeo reads what engine pushed" skopeo inspect --tls-verify=false --creds carol:t0ken-pw "docker://$J/team/b:1"
expect_fail "unknown tag under token auth" "manifest unknown" "$E" --root "$R" pull "$J/team/a:nope"
expect_fail "unknown repository under token auth" "manifest team/none:1: not found" "$E" --root "$R" pull "$J/team/none:1"

finish
