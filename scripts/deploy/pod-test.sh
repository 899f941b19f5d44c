#!/usr/bin/env bash
# Runs the chart's backend pod for real with `podman kube play`:
#   1. builds the backend and sidecar images (SKIP_BUILD=1 reuses them);
#   2. starts PostgreSQL in a container on a private podman network;
#   3. runs the migration the way the Helm hook does (`todo-backend migrate`);
#   4. renders the backend Deployment, its ConfigMap and Secret with `helm
#      template` and plays them: one pod, chat server + MCP sidecar sharing
#      the pod's loopback, exactly as in Kubernetes;
#   5. waits for /readyz (timed), sends a chat turn signed with an HS256 JWT
#      that adds a task through the sidecar, and reads the row from PostgreSQL;
#   6. stops the sidecar: /readyz must turn 503 naming it and a chat turn must
#      fail fast with a 503 JSON body; starts it again: everything works again;
#   7. replays the pod with each failure of the demo (demo.sidecarFault =
#      crash, hang, bad-db) and checks its symptoms, then heals it: /readyz
#      200, chat works, nothing half-stored; then runs every probe by hand;
#   8. tears everything down (also on failure; KEEP=1 leaves it running).
# Prints PASS/FAIL lines; exits 1 on the first failure.
# UNTIL=play stops once the pod is playing (migration failures are reported,
# not fatal): for binaries whose storage layer is not there yet.
source "$(dirname "$0")/lib.sh"
# Each step's status is checked explicitly (check), so errexit is off.
set +e
podman_prepare

NAME="${POD_TEST_NAME:-todo-podtest}"
NET="$NAME-net"
DB="$NAME-db"
WORK="$ROOT/artifacts/pod-test"
BACKEND_IMAGE="$IMAGE_PREFIX-backend:$IMAGE_TAG"
MCP_IMAGE="$IMAGE_PREFIX-mcp:$IMAGE_TAG"
READY_TIMEOUT="${READY_TIMEOUT:-90}"
# The chat server's bound on one sidecar call (15 s by default): shorter here,
# so the hung-sidecar case costs CI little.
TOOL_TIMEOUT="${TOOL_TIMEOUT:-5}"
mkdir -p "$WORK"
"$(dirname "$0")/tools.sh" >/dev/null

secret() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }
AUTH_SECRET="$(secret)"
PG_PASSWORD="$(secret)"
USER_ID="podtest-$(secret | cut -c1-8)"
SECRETS_CREATED=()
POD=""

cleanup() {
  local rc=$?
  if [ "${KEEP:-0}" = 1 ]; then log "KEEP=1: leaving pod $NAME, container $DB and network $NET"; exit $rc; fi
  [ -f "$WORK/play.yaml" ] && podman kube down "$WORK/play.yaml" >/dev/null 2>&1 || true
  for s in "${SECRETS_CREATED[@]}"; do podman secret rm "$s" >/dev/null 2>&1 || true; done
  podman rm -f -t 2 "$DB" >/dev/null 2>&1 || true
  podman network rm -f "$NET" >/dev/null 2>&1 || true
  exit $rc
}
trap cleanup EXIT

PASSES=0
check() { # description, condition result (0 = ok); stops at the first failure
  if [ "$2" = 0 ]; then pass "$1"; PASSES=$((PASSES + 1)); return 0; fi
  fail "$1"; dump_logs; echo "pod-test: $PASSES passed, 1 failed"; exit 1
}
dump_logs() {
  [ -n "$POD" ] || return 0
  for c in $(podman ps -a --filter "pod=$POD" --format '{{.Names}}' 2>/dev/null); do
    echo "--- logs of $c"; podman logs --tail 30 "$c" 2>&1 | sed 's/^/    /'
  done
}
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

# ----------------------------------------------------------------- images
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  "$(dirname "$0")/images.sh" backend mcp-sidecar
fi
image_exists "$BACKEND_IMAGE" && image_exists "$MCP_IMAGE" || die "images $BACKEND_IMAGE and $MCP_IMAGE are missing"

# --------------------------------------------------------------- database
podman rm -f -t 2 "$DB" >/dev/null 2>&1 || true
podman network rm -f "$NET" >/dev/null 2>&1 || true
podman network create "$NET" >/dev/null
PG_IMAGE="${PG_IMAGE:-}"
if [ -z "$PG_IMAGE" ]; then
  if image_exists localhost/debian:bookworm; then
    PG_IMAGE=localhost/todo-postgres:15
    image_exists "$PG_IMAGE" || podman build -q -t "$PG_IMAGE" --build-arg DEBIAN_IMAGE=localhost/debian:bookworm \
      -f "$ROOT/scripts/deploy/postgres.Containerfile" "$ROOT/scripts/deploy" >/dev/null
  else
    PG_IMAGE=docker.io/library/postgres:16-bookworm
  fi
fi
podman run -d --name "$DB" --network "$NET" -e POSTGRES_USER=todo -e POSTGRES_DB=todo \
  -e POSTGRES_PASSWORD="$PG_PASSWORD" "$PG_IMAGE" >/dev/null
DB_IP="$(podman inspect "$DB" --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}")"
DATABASE_URL="postgres://todo:$PG_PASSWORD@$DB_IP:5432/todo"
for _ in $(seq 60); do
  podman exec "$DB" pg_isready -q -h 127.0.0.1 -U todo -d todo 2>/dev/null && break; sleep 1
done
podman exec "$DB" pg_isready -q -h 127.0.0.1 -U todo -d todo; check "PostgreSQL ($PG_IMAGE) up at $DB_IP" $?
psql_db() { podman exec "$DB" psql -h /tmp -U todo -d todo -tAc "$1"; }

# -------------------------------------------------------------- migration
t0="$(now)"
podman run --rm --network "$NET" -e DATABASE_URL="$DATABASE_URL" -e RUST_LOG=info \
  --read-only --cap-drop ALL --security-opt no-new-privileges "$BACKEND_IMAGE" migrate > "$WORK/migrate.log" 2>&1
rc=$?; [ $rc = 0 ] || tail -5 "$WORK/migrate.log"
if [ "${UNTIL:-}" = play ] && [ $rc != 0 ]; then
  echo "SKIP: todo-backend migrate failed (UNTIL=play: going on to kube play)"
else
check "todo-backend migrate (the Helm hook's command) in $(elapsed "$t0")s" $rc
tables="$(psql_db "select string_agg(table_name, ',' order by table_name) from information_schema.tables where table_schema='public'")"
case ",$tables," in *,tasks,*conversations*|*conversations*,tasks,*) rc=0 ;; *) rc=1 ;; esac
check "migrated schema has tasks and conversations ($tables)" $rc
fi

# ----------------------------------------------------------- render + play
render() { # sidecar fault ("" = healthy): renders and prepares $WORK/play.yaml
  helm template "$NAME" "$CHART" --kube-version "$KUBE_VERSION" \
    --show-only templates/configmap.yaml --show-only templates/secret.yaml \
    --show-only templates/backend-deployment.yaml \
    --set-string secrets.betterAuthSecret="$AUTH_SECRET" \
    --set-string secrets.databaseUrl="$DATABASE_URL" \
    --set fullnameOverride="$NAME" \
    --set backend.autoscaling.enabled=false --set backend.replicaCount=1 \
    --set backend.image.repository="$IMAGE_PREFIX-backend" --set-string backend.image.tag="$IMAGE_TAG" \
    --set mcpSidecar.image.repository="$IMAGE_PREFIX-mcp" --set-string mcpSidecar.image.tag="$IMAGE_TAG" \
    --set backend.llm.provider=offline --set-string demo.sidecarFault="$1" \
    --set-json 'backend.extraEnv=[{"name":"TOOL_TIMEOUT_SECS","value":"'"$TOOL_TIMEOUT"'"}]' \
    > "$WORK/rendered.yaml" || return 1
  # podman reads Secrets through `podman secret`, and runs probes with systemd
  # timers (none in a build container): the prep step moves both aside; the
  # probes are run by hand below.
  rm -f "$WORK"/secret-*.json
  "$TOOLS/venv/bin/python" "$ROOT/scripts/deploy/kube-play-prep.py" "$WORK/rendered.yaml" "$WORK" >/dev/null
}
play() { # (re)plays $WORK/play.yaml and finds the pod, its containers and its address
  podman kube play --replace --network "$NET" "$WORK/play.yaml" > "$WORK/play.log" 2>&1
  local rc=$?; [ $rc = 0 ] || cat "$WORK/play.log"
  POD="$(podman pod ps --filter "name=^$NAME-backend" --format '{{.Name}}' | head -1)"
  BACKEND_CTR="$(podman ps -a --filter "pod=$POD" --format '{{.Names}}' | grep -- '-backend$' | head -1)"
  SIDECAR_CTR="$(podman ps -a --filter "pod=$POD" --format '{{.Names}}' | grep -- '-mcp-sidecar$' | head -1)"
  INFRA="$(podman pod inspect "$POD" --format '{{.InfraContainerID}}')"
  POD_IP="$(podman inspect "$INFRA" --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}")"
  BASE="http://$POD_IP:8000"
  return $rc
}
render ""; check "helm template of the backend Deployment, ConfigMap and Secret, prepared for podman kube play" $?
for f in "$WORK"/secret-*.json; do
  s="$(basename "$f" .json)"; s="${s#secret-}"
  podman secret rm "$s" >/dev/null 2>&1; podman secret create "$s" "$f" >/dev/null
  SECRETS_CREATED+=("$s")
done

t0="$(now)"
play; check "podman kube play" $?
[ -n "$POD" ]; check "pod $POD created" $?
log "pod $POD at $POD_IP: containers $BACKEND_CTR, $SIDECAR_CTR"
[ -n "$BACKEND_CTR" ] && [ -n "$SIDECAR_CTR" ]; check "pod has the containers backend and mcp-sidecar" $?
# The security settings of the chart reached the containers.
for c in "$BACKEND_CTR" "$SIDECAR_CTR"; do
  ro="$(podman inspect "$c" --format '{{.HostConfig.ReadonlyRootfs}}')"
  user="$(podman inspect "$c" --format '{{.Config.User}}')"
  [ "$ro" = true ] && [ "${user%%:*}" = 10001 ]; check "$c runs as uid 10001 on a read-only root filesystem" $?
done
if [ "${UNTIL:-}" = play ]; then
  sleep 3
  podman ps -a --filter "pod=$POD" --format '{{.Names}}: {{.Status}}' | sed 's/^/    /'
  dump_logs
  echo "pod-test: $PASSES passed, 0 failed (UNTIL=play: stopped after kube play)"
  exit 0
fi


readyz() { curl -s -o "$WORK/readyz.json" -w '%{http_code}' --max-time 5 "$BASE/readyz" 2>/dev/null || true; }
wait_ready() { # expected code, timeout seconds
  local deadline=$((SECONDS + $2)) code=""
  while [ $SECONDS -lt $deadline ]; do
    code="$(readyz)"; [ "$code" = "$1" ] && return 0; sleep 0.5
  done
  echo "    last /readyz: $code $(cat "$WORK/readyz.json" 2>/dev/null)"; return 1
}
wait_ready 200 "$READY_TIMEOUT"; rc=$?
READY_SECONDS="$(elapsed "$t0")"
check "pod ready (/readyz 200) ${READY_SECONDS}s after kube play: $(cat "$WORK/readyz.json")" $rc

# ---------------------------------------------------------------- chat turn
TOKEN="$(python3 - "$AUTH_SECRET" "$USER_ID" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"sub": sys.argv[2], "aud": "todo-api", "iat": now, "exp": now + 900}).encode())
sig = b64(hmac.new(sys.argv[1].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
print(f"{head}.{body}.{sig}")
PY
)"
chat() { # message -> prints "HTTP_CODE SECONDS", body in $WORK/chat.json
  curl -s -o "$WORK/chat.json" -w '%{http_code} %{time_total}' --max-time 60 \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"message": sys.argv[1]}))' "$1")" \
    "$BASE/api/$USER_ID/chat" || echo "000 60"
}
json_check() { python3 -c "import json,sys; d=json.load(open('$WORK/chat.json')); sys.exit(0 if ($1) else 1)" 2>/dev/null; }

read -r code secs <<<"$(chat 'add buy milk')"
[ "$code" = 200 ] && json_check 'd["tool_calls"] and d["tool_calls"][0]["name"] == "add_task" and not d["tool_calls"][0]["is_error"]'
rc=$?; [ $rc = 0 ] || echo "    $code $(cat "$WORK/chat.json")"
check "chat turn 'add buy milk' -> add_task through the sidecar (${secs}s): $(head -c 300 "$WORK/chat.json")" $rc
rows="$(psql_db "select count(*) from tasks where user_id = '$USER_ID' and title ilike '%milk%'")"
[ "$rows" = 1 ]; check "the task is a row in PostgreSQL (user $USER_ID)" $?

# ------------------------------------------------------------ sidecar down
t0="$(now)"
podman stop -t 5 "$SIDECAR_CTR" >/dev/null
wait_ready 503 30; rc=$?
body="$(cat "$WORK/readyz.json")"
[ $rc = 0 ] && grep -q mcp_sidecar "$WORK/readyz.json"; rc=$?
check "sidecar stopped: /readyz 503 after $(elapsed "$t0")s naming it: $body" $rc
read -r code secs <<<"$(chat 'add call mom')"
[ "$code" = 503 ] && json_check 'd["error"]["code"] == "unavailable"'; rc=$?
[ $rc = 0 ] || echo "    $code $(cat "$WORK/chat.json")"
check "chat turn with the sidecar down fails cleanly: $code in ${secs}s: $(cat "$WORK/chat.json")" $rc
rows="$(psql_db "select count(*) from tasks where user_id = '$USER_ID'")"
[ "$rows" = 1 ]; check "nothing half-stored: still one task" $?
alive="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/healthz")"
[ "$alive" = 200 ]; check "chat server stays alive (/healthz 200) while the sidecar is down" $?

# -------------------------------------------------------------- sidecar up
t0="$(now)"
podman start "$SIDECAR_CTR" >/dev/null
wait_ready 200 60; check "sidecar restarted: /readyz 200 again after $(elapsed "$t0")s" $?
read -r code secs <<<"$(chat 'add call mom')"
[ "$code" = 200 ] && json_check 'd["tool_calls"][0]["name"] == "add_task" and not d["tool_calls"][0]["is_error"]'; rc=$?
[ $rc = 0 ] || echo "    $code $(cat "$WORK/chat.json")"
check "chat works again after the restart (${secs}s)" $rc
read -r code secs <<<"$(chat 'show me all my tasks')"
[ "$code" = 200 ] && json_check 'd["tool_calls"][0]["name"] == "list_tasks" and len(d["tool_calls"][0]["result"] if isinstance(d["tool_calls"][0]["result"], list) else d["tool_calls"][0]["result"].get("tasks", [])) == 2'; rc=$?
[ $rc = 0 ] || echo "    $code $(cat "$WORK/chat.json")"
check "list_tasks sees both tasks" $rc

# ------------------------------------------------- sidecar failure modes
# The demo's faults (scripts/deploy/sidecar-fault.sh): the chart rendered with
# demo.sidecarFault=MODE and played again, as the rollout of `helm upgrade`
# replaces the pod. Each mode's symptoms, then the heal.
# What users and probes read must not show internal addresses or type names.
# Today the chat server puts the sidecar's URL and rmcp's type names into these
# reasons (backend/src/mcp/client.rs, routes/health.rs): reported as XFAIL, a
# known failure that does not stop the test, until that is fixed (then XPASS).
XFAILS=0
xcheck() { # description, condition result (a known failure until fixed)
  if [ "$2" = 0 ]; then echo "XPASS: $1 (fixed: make it a plain check)"; else echo "XFAIL: $1"; XFAILS=$((XFAILS + 1)); fi
}
no_internals() { ! grep -qE '127\.0\.0\.1|localhost|:8090|https?://|rmcp::|reqwest::' "$1"; }
readyz_names_sidecar() { # after wait_ready 503: the body lists the sidecar as failing
  python3 -c "import json,sys; d=json.load(open('$WORK/readyz.json')); sys.exit(0 if 'mcp_sidecar' in d['failing'] else 1)" 2>/dev/null
}
chat_unavailable() { # max seconds: a chat turn fails with 503 {"error":{"code":"unavailable"}} in time
  read -r code secs <<<"$(chat 'add water the plants')"
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$secs" "$1" \
    && [ "$code" = 503 ] && json_check 'd["error"]["code"] == "unavailable" and d["error"]["message"].startswith("the MCP sidecar") and "unavailable" in d["error"]["message"]'
}
sidecar_probe() { # probe kind: runs the sidecar's exec probe of that kind; output in $WORK/probe.out
  mapfile -t cmd < <(python3 - "$WORK/probes.json" "$1" <<'PY'
import json, sys
p = [p for p in json.load(open(sys.argv[1])) if p["container"] == "mcp-sidecar" and p["probe"] == sys.argv[2]][0]
print("\n".join(p["command"]))
PY
)
  timeout 10 podman exec "$SIDECAR_CTR" "${cmd[@]}" > "$WORK/probe.out" 2>&1
}
fault() { # mode: renders and plays the pod with that fault ("" = healed)
  t0="$(now)"
  render "$1" && play; check "${1:-heal}: pod played again with demo.sidecarFault=\"$1\"" $?
}

FAULTS_T0="$(now)"
fault crash
wait_ready 503 30; rc=$?; readyz_names_sidecar; r2=$?; [ $rc = 0 ] && rc=$r2
check "crash: /readyz 503 after $(elapsed "$t0")s naming the sidecar: $(head -c 160 "$WORK/readyz.json")" $rc
no_internals "$WORK/readyz.json"; check "crash: /readyz reason shows no internal address or type name" $?
chat_unavailable 5; rc=$?
check "crash: chat turn $code in ${secs}s: $(head -c 120 "$WORK/chat.json")" $rc
no_internals "$WORK/chat.json"; check "crash: chat error message shows no internal address or type name" $?
# `podman logs` shows the current instance, which may not have reached its
# panic yet when the container has just been restarted: look a few times.
for _ in $(seq 1 20); do
  sleep 0.5
  restarts="$(podman inspect "$SIDECAR_CTR" --format '{{.RestartCount}}')"
  podman logs "$SIDECAR_CTR" 2>&1 | grep -q 'TODO_MCP_DEMO_FAULT=crash'; rc=$?
  [ $rc = 0 ] && [ "${restarts:-0}" -ge 1 ]; rc=$?
  [ $rc = 0 ] && break
done
check "crash: the sidecar panics on start and is restarted ($restarts restarts so far)" $rc

fault hang
wait_ready 503 30; rc=$?; readyz_names_sidecar; r2=$?; [ $rc = 0 ] && rc=$r2
check "hang: /readyz 503 after $(elapsed "$t0")s naming the sidecar: $(cat "$WORK/readyz.json")" $rc
no_internals "$WORK/readyz.json"; check "hang: /readyz reason shows no internal address or type name" $?
[ "$(podman inspect "$SIDECAR_CTR" --format '{{.State.Running}}')" = true ]
check "hang: the sidecar process lives (container running)" $?
sidecar_probe livenessProbe; rc=$?
[ $rc != 0 ] && [ $rc != 124 ]; check "hang: the sidecar's liveness probe fails by itself (exit $rc): $(tail -1 "$WORK/probe.out")" $?
chat_unavailable $((TOOL_TIMEOUT + 3)); rc=$?
check "hang: chat turn $code in ${secs}s, bounded by the tool timeout (${TOOL_TIMEOUT} s): $(head -c 160 "$WORK/chat.json")" $rc
no_internals "$WORK/chat.json"; check "hang: chat error message shows no internal address or type name" $?

fault bad-db
wait_ready 503 30; rc=$?; readyz_names_sidecar; r2=$?; [ $rc = 0 ] && rc=$r2
check "bad-db: /readyz 503 after $(elapsed "$t0")s naming the sidecar: $(head -c 160 "$WORK/readyz.json")" $rc
chat_unavailable 5; rc=$?
check "bad-db: chat turn $code in ${secs}s: $(head -c 120 "$WORK/chat.json")" $rc
no_internals "$WORK/chat.json"; check "bad-db: chat error message shows no internal address or type name" $?
for _ in $(seq 1 20); do # as for crash: the current instance may not have logged yet
  sleep 0.5
  restarts="$(podman inspect "$SIDECAR_CTR" --format '{{.RestartCount}}')"
  line="$(podman logs "$SIDECAR_CTR" 2>&1 | grep -m1 'cannot open the database (postgres://todo@127.0.0.1:5432/todo)')"
  [ -n "$line" ] && [ "${restarts:-0}" -ge 1 ] && break
done
[ -n "$line" ] && [ "${restarts:-0}" -ge 1 ]
check "bad-db: the sidecar exits at start naming the database it cannot reach, and is restarted ($restarts restarts): ${line##*todo-mcp failed: }" $?

fault ""
wait_ready 200 60; check "heal: /readyz 200 again $(elapsed "$t0")s after replaying the healthy pod" $?
read -r code secs <<<"$(chat 'add water the plants')"
[ "$code" = 200 ] && json_check 'd["tool_calls"][0]["name"] == "add_task" and not d["tool_calls"][0]["is_error"]'; rc=$?
[ $rc = 0 ] || echo "    $code $(cat "$WORK/chat.json")"
check "heal: chat works again (${secs}s)" $rc
rows="$(psql_db "select count(*) from tasks where user_id = '$USER_ID'")"
[ "$rows" = 3 ]; check "heal: the faults stored nothing half-done: 3 tasks (milk, mom, plants)" $?
FAULTS_SECONDS="$(elapsed "$FAULTS_T0")"

# Every probe of the chart, the way the kubelet runs it.
n="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/probes.json")"
for i in $(seq 0 $((n - 1))); do
  IFS=$'\t' read -r container probe type target < <(python3 - "$WORK/probes.json" "$i" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))[int(sys.argv[2])]
target = json.dumps(p["command"]) if p["type"] == "exec" else f'{p["port"]}{p.get("path", "")}'
print("\t".join([p["container"], p["probe"], p["type"], target]))
PY
)
  ctr="$(podman ps -a --filter "pod=$POD" --format '{{.Names}}' | grep -- "-$container\$" | head -1)"
  case "$type" in
    http) curl -sf -o /dev/null --max-time 5 "http://$POD_IP:$target"; rc=$? ;;
    tcp) timeout 5 bash -c "exec 3<>/dev/tcp/$POD_IP/$target"; rc=$? ;;
    exec) mapfile -t cmd < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$target")
          podman exec "$ctr" "${cmd[@]}" >/dev/null 2>&1; rc=$? ;;
  esac
  check "$container $probe ($type ${target}) succeeds" $rc
done

echo "pod-test: pod ready in ${READY_SECONDS}s; the three failure modes and the heal took ${FAULTS_SECONDS}s"
echo "pod-test: $PASSES passed, 0 failed, $XFAILS known failures (XFAIL)"
