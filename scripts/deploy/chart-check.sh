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

# No secret value may have a default in the chart.
if grep -nE '^\s*(betterAuthSecret|databaseUrl|openaiApiKey|password): *"[^"]+"' "$CHART/values.yaml"; then
  ko "values.yaml holds no secret defaults"
else
  ok "values.yaml holds no secret defaults"
fi

echo "rendered manifests: $OUT"
echo "chart-check: $passes passed, $failures failed"
[ "$failures" = 0 ]
