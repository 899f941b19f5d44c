#!/usr/bin/env bash
# Lints, renders and validates the Helm chart with the real tools:
#   helm lint + helm template for each values file in k8s/helm/todo/ci/,
#   kubernetes-validate --strict on every rendered manifest (Kubernetes $KUBE_VERSION schemas),
#   kube-score (exceptions are kube-score/ignore annotations in the templates, each with its reason),
#   the chart's own invariants (scripts/deploy/chart-invariants.py),
#   and renders that must fail (missing secrets, values the schema rejects).
# Prints PASS/FAIL lines; exits 1 if anything failed.
source "$(dirname "$0")/lib.sh"
"$(dirname "$0")/tools.sh" >/dev/null

OUT="${CHART_OUT:-$ROOT/artifacts/chart}"
rm -rf "$OUT"; mkdir -p "$OUT"
failures=0
passes=0
ok() { pass "$1"; passes=$((passes + 1)); }
ko() { fail "$1"; failures=$((failures + 1)); }
run() { # description, command...
  local what="$1"; shift
  if "$@" > "$OUT/last.log" 2>&1; then ok "$what"; else ko "$what"; grep -v -E '^\[(OK|SKIPPED)\]' "$OUT/last.log" | sed 's/^/    /' | tail -40; fi
}

# Throw-away secrets for rendering: generated here, never stored.
rand() { python3 -c 'import secrets; print(secrets.token_urlsafe(36))'; }
AUTH="$(rand)"
SECRETS=(--set-string "secrets.betterAuthSecret=$AUTH"
         --set-string "secrets.databaseUrl=postgres://todo:$(rand)@db.example.com:5432/todo?sslmode=require"
         --set-string "secrets.openaiApiKey=sk-$(rand)")
declare -A EXTRA=(
  [default]="${SECRETS[*]}"
  [all-on]="--set-string secrets.betterAuthSecret=$AUTH --set-string secrets.openaiApiKey=sk-$(rand) --set-string postgresql.auth.password=$(rand)"
  [existing-secret]=""
)
KS_OPTS=(--enable-optional-test container-seccomp-profile --enable-optional-test container-ports-check)

for name in default all-on existing-secret; do
  values="$CHART/ci/$name-values.yaml"
  # shellcheck disable=SC2086 # EXTRA holds flags
  run "helm lint ($name)" helm lint --strict "$CHART" -f "$values" ${EXTRA[$name]}
  # shellcheck disable=SC2086
  if helm template todo "$CHART" --namespace todo --kube-version "$KUBE_VERSION" -f "$values" ${EXTRA[$name]} \
       > "$OUT/$name.yaml" 2> "$OUT/$name.err"; then
    ok "helm template ($name): $(grep -c '^kind:' "$OUT/$name.yaml") objects"
  else
    ko "helm template ($name)"; sed 's/^/    /' "$OUT/$name.err"; continue
  fi
  run "kubernetes-validate --strict, Kubernetes $KUBE_VERSION ($name)" \
    kubernetes-validate --strict --quiet -k "$KUBE_VERSION" "$OUT/$name.yaml"
  run "kube-score ($name)" kube-score score "${KS_OPTS[@]}" --output-format ci "$OUT/$name.yaml"
  if "$TOOLS/venv/bin/python" "$ROOT/scripts/deploy/chart-invariants.py" "$OUT/$name.yaml" > "$OUT/$name.invariants" 2>&1; then
    ok "chart invariants ($name): $(grep -c '^PASS' "$OUT/$name.invariants") checks"
  else
    ko "chart invariants ($name)"; grep -v '^PASS' "$OUT/$name.invariants" | sed 's/^/    /'
  fi
done

# Value sets beyond the ci/ files: the failure demo's sidecar faults, the local
# model server, the Better Auth URL; each validated like the files above, plus
# what that value set must render (chart-cases.py).
declare -A CASES=(
  [healthy]=""
  [crash]="--set-string demo.sidecarFault=crash"
  [hang]="--set-string demo.sidecarFault=hang"
  [bad-db]="--set-string demo.sidecarFault=bad-db"
  [local-model]="--set localModel.enabled=true"
  [ingress-url]="--set ingress.enabled=true --set ingress.host=todo.example.org --set ingress.tlsSecretName=todo-tls"
  [neon]="--set-string secrets.databaseUrl=postgres://app:$(rand)@ep-demo-123-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require --set-string secrets.migrationDatabaseUrl=postgres://app:$(rand)@ep-demo-123.eu-central-1.aws.neon.tech/neondb?sslmode=require"
  [neon-existing-secret]="--set secrets.existingSecret=todo-secrets --set migrations.databaseUrlKey=MIGRATION_DATABASE_URL"
  [jwks]="--set auth.mode=jwks --set networkPolicy.restrictBackendEgress=true"
  [roles]="--set database.roles=separate --set auth.mode=jwks --set-string secrets.databaseUrl=postgres://todo_app:$(rand)@db.example.com:5432/todo?sslmode=require --set-string secrets.authDatabaseUrl=postgres://todo_auth:$(rand)@db.example.com:5432/todo?sslmode=require"
  [roles-in-cluster]="--set-string secrets.databaseUrl= --set database.roles=separate --set postgresql.enabled=true --set-string postgresql.auth.password=$(rand) --set-string postgresql.auth.authPassword=$(rand) --set-string postgresql.auth.appPassword=$(rand)"
  [roles-existing-secret]="--set database.roles=separate --set secrets.existingSecret=todo-secrets"
)
for name in healthy crash hang bad-db local-model ingress-url neon neon-existing-secret jwks roles roles-in-cluster roles-existing-secret; do
  # shellcheck disable=SC2086 # CASES holds flags
  if ! helm template todo "$CHART" --namespace todo --kube-version "$KUBE_VERSION" "${SECRETS[@]}" ${CASES[$name]} \
       > "$OUT/case-$name.yaml" 2> "$OUT/case-$name.err"; then
    ko "helm template ($name)"; sed 's/^/    /' "$OUT/case-$name.err"; continue
  fi
  if kubernetes-validate --strict --quiet -k "$KUBE_VERSION" "$OUT/case-$name.yaml" > "$OUT/last.log" 2>&1 \
     && kube-score score "${KS_OPTS[@]}" --output-format ci "$OUT/case-$name.yaml" > "$OUT/last.log" 2>&1 \
     && "$TOOLS/venv/bin/python" "$ROOT/scripts/deploy/chart-invariants.py" "$OUT/case-$name.yaml" > "$OUT/last.log" 2>&1 \
     && "$TOOLS/venv/bin/python" "$ROOT/scripts/deploy/chart-cases.py" "$name" "$OUT/case-$name.yaml" > "$OUT/case-$name.checks" 2>&1; then
    ok "value set $name: validated, kube-score, invariants, $(grep -c '^PASS' "$OUT/case-$name.checks") checks of its own"
  else
    ko "value set $name"; grep -v -E '^(PASS|\[OK\]|\[SKIPPED\])' "$OUT/last.log" "$OUT/case-$name.checks" 2>/dev/null | sed 's/^/    /' | tail -30 || true
  fi
done

# Renders that must be refused, with a message that says what to do.
must_fail() { # description, expected message, helm args...
  local what="$1" expect="$2"; shift 2
  if helm template todo "$CHART" --kube-version "$KUBE_VERSION" "$@" > "$OUT/last.log" 2>&1; then
    ko "$what: rendered although it must not"
  elif grep -q -- "$expect" "$OUT/last.log"; then
    ok "$what"
  else
    ko "$what: unexpected message"; sed 's/^/    /' "$OUT/last.log"
  fi
}
must_fail "refuses to render without secrets" "secrets.betterAuthSecret is required"
must_fail "refuses to render without DATABASE_URL" "secrets.databaseUrl is required" \
  --set-string "secrets.betterAuthSecret=$AUTH"
must_fail "refuses the in-cluster database without a password" "postgresql.auth.password is required" \
  --set-string "secrets.betterAuthSecret=$AUTH" --set postgresql.enabled=true
must_fail "schema rejects a short BETTER_AUTH_SECRET" "minLength" \
  --set-string secrets.betterAuthSecret=short --set-string secrets.databaseUrl=postgres://a@b/c
must_fail "schema rejects a non-PostgreSQL DATABASE_URL" "does not match pattern" \
  --set-string "secrets.betterAuthSecret=$AUTH" --set-string secrets.databaseUrl=mysql://a@b/c
must_fail "schema rejects unknown keys" "additional properties" "${SECRETS[@]}" --set backend.replicas=3
must_fail "schema rejects an unknown LLM provider" "backend/llm/provider" "${SECRETS[@]}" --set backend.llm.provider=magic
must_fail "schema rejects an unknown sidecar fault" "demo/sidecarFault" "${SECRETS[@]}" --set demo.sidecarFault=explode
must_fail "jwks mode needs the frontend's JWKS (or auth.jwksUrl)" "auth.mode=jwks needs the frontend" \
  "${SECRETS[@]}" --set auth.mode=jwks --set frontend.enabled=false
must_fail "a JWKS URL without jwks mode is refused" "set auth.mode=jwks" \
  "${SECRETS[@]}" --set auth.jwksUrl=http://auth.example.com/api/auth/jwks
must_fail "separate roles need Better Auth's URL" "database.roles=separate needs secrets.authDatabaseUrl" \
  "${SECRETS[@]}" --set database.roles=separate
must_fail "an auth URL without separate roles is refused" "set database.roles=separate" \
  "${SECRETS[@]}" --set-string secrets.authDatabaseUrl=postgres://todo_auth:x@db.example.com/todo
must_fail "separate roles must be two roles" "log in as the same role (todo)" \
  "${SECRETS[@]}" --set database.roles=separate --set-string secrets.authDatabaseUrl=postgres://todo:x@db.example.com/todo
must_fail "separate roles: the migration runs as the app role" "must log in as the app role" \
  "${SECRETS[@]}" --set database.roles=separate --set-string secrets.authDatabaseUrl=postgres://todo_auth:x@db.example.com/todo \
  --set-string secrets.migrationDatabaseUrl=postgres://neondb_owner:x@db.example.com/todo
must_fail "separate roles in the in-cluster database need their passwords" "needs postgresql.auth.authPassword" \
  --set-string "secrets.betterAuthSecret=$AUTH" --set postgresql.enabled=true --set-string postgresql.auth.password=x \
  --set database.roles=separate
must_fail "separate roles: the app never logs in as the in-cluster database's owner" "owner of the in-cluster database" \
  "${SECRETS[@]}" --set database.roles=separate --set postgresql.enabled=true --set-string postgresql.auth.password=x \
  --set-string postgresql.auth.authPassword=y --set-string postgresql.auth.appPassword=z
must_fail "schema rejects an unknown database.roles" "database/roles" "${SECRETS[@]}" --set database.roles=many

# No secret value may have a default in the chart.
if grep -nE '^\s*(betterAuthSecret|databaseUrl|authDatabaseUrl|migrationDatabaseUrl|openaiApiKey|password|authPassword|appPassword): *"[^"]+"' "$CHART/values.yaml"; then
  ko "values.yaml holds no secret defaults"
else
  ok "values.yaml holds no secret defaults"
fi

echo "rendered manifests: $OUT"
echo "chart-check: $passes passed, $failures failed"
[ "$failures" = 0 ]
