#!/usr/bin/env bash
# Installs the chart tools into .tools/ (git-ignored), once:
#   helm        go install helm.sh/helm/v3/cmd/helm      (a few minutes on 2 cores)
#   kube-score  go install github.com/zegl/kube-score    (static analysis of the manifests)
#   kubernetes-validate (PyPI, in .tools/venv): offline schema validation
# TOOLS_DIR moves the cache out of the checkout (e.g. to keep it across fresh clones).
source "$(dirname "$0")/lib.sh"
mkdir -p "$TOOLS/bin"

go_tool() { # name module version
  local name="$1" module="$2" version="$3" stamp="$TOOLS/bin/.$1.version"
  if [ -x "$TOOLS/bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    return 0
  fi
  command -v go >/dev/null || die "go is needed to install $name"
  log "go install $module@$version"
  local t0=$SECONDS
  GOBIN="$TOOLS/bin" GOFLAGS=-buildvcs=false go install "$module@$version"
  echo "$version" > "$stamp"
  log "$name installed in $((SECONDS - t0))s"
}

go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
go_tool kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION"

if ! "$TOOLS/venv/bin/kubernetes-validate" --version 2>/dev/null | grep -qx "$KUBERNETES_VALIDATE_VERSION"; then
  log "pip install kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
ln -sf ../venv/bin/kubernetes-validate "$TOOLS/bin/kubernetes-validate"

printf 'helm %s, kube-score %s, kubernetes-validate %s\n' \
  "$(helm version --template '{{.Version}}')" "$KUBE_SCORE_VERSION" \
  "$(kubernetes-validate --version)"
