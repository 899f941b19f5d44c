#!/usr/bin/env python3
"""Checks the rendered chart for the properties the deployment promises.

Usage: chart-invariants.py RENDERED.yaml
Prints one PASS/FAIL line per property; exits 1 when any fails.
"""
import re
import sys

import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
failures = 0


def check(ok, what):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what)
    failures += 0 if ok else 1


def pod_specs():
    for d in docs:
        kind = d["kind"]
        if kind in ("Deployment", "StatefulSet", "Job"):
            yield d, d["spec"]["template"]["spec"]


kinds = {d["kind"] for d in docs}
check("Pod" not in kinds, "no bare Pod (workloads are Deployments, a StatefulSet and Jobs)")

for d, spec in pod_specs():
    name = f'{d["kind"]}/{d["metadata"]["name"]}'
    psc = spec.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True and psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
          f"{name}: pod runs as non-root with the RuntimeDefault seccomp profile")
    check(spec.get("automountServiceAccountToken") is False, f"{name}: no service account token mounted")
    for c in spec.get("initContainers", []) + spec["containers"]:
        cname = f'{name}/{c["name"]}'
        r = c.get("resources", {})
        check(all(k in r.get(s, {}) for s in ("requests", "limits") for k in ("cpu", "memory")),
              f"{cname}: cpu and memory requests and limits")
        sc = c.get("securityContext", {})
        check(sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True
              and sc.get("capabilities", {}).get("drop") == ["ALL"],
              f"{cname}: no privilege escalation, read-only root, all capabilities dropped")
        if d["kind"] != "Job" and c in spec["containers"]:  # init containers take no probes
            check("livenessProbe" in c and "startupProbe" in c, f"{cname}: startup and liveness probes")
        # A DATABASE_URL without a password (the failure demo's bad-db) holds no secret.
        check(not any("value" in e and (any(s in e["name"] for s in ("SECRET", "PASSWORD", "API_KEY"))
                                        or (e["name"] == "DATABASE_URL" and re.search(r"://[^/@]*:[^/@]*@", e["value"])))
                      for e in c.get("env", [])),
              f"{cname}: secrets only through secretKeyRef")

backend = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["labels"]["app.kubernetes.io/component"] == "backend"]
check(len(backend) == 1, "one backend Deployment")
if backend:
    containers = {c["name"]: c for c in backend[0]["spec"]["template"]["spec"]["containers"]}
    check(set(containers) == {"backend", "mcp-sidecar"}, "backend pod = chat server + MCP sidecar containers")
    side = containers.get("mcp-sidecar", {})
    args = side.get("args", [])
    check(len(args) == 2 and args[0] == "--http" and args[1].startswith("127.0.0.1:"),
          "sidecar listens on the pod's loopback only")
    check(not side.get("ports"), "sidecar exposes no container port")
    check(containers.get("backend", {}).get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz",
          "backend readiness is /readyz")
    cmd = side.get("livenessProbe", {}).get("exec", {}).get("command", [])
    check(len(cmd) >= 2 and cmd[0].endswith("/todo-mcp") and cmd[1] == "healthcheck",
          "sidecar liveness runs `todo-mcp healthcheck`")
    cms = [d for d in docs if d["kind"] == "ConfigMap"]
    mcp_url = cms[0]["data"].get("MCP_URL", "") if cms else ""
    check(mcp_url.startswith("http://127.0.0.1:") and mcp_url.endswith("/mcp") and args[1:] and mcp_url.split("//")[1].split("/")[0] == args[1],
          "MCP_URL points at the sidecar's loopback address")

hooks = [d for d in docs if d["kind"] == "Job" and "helm.sh/hook" in d["metadata"].get("annotations", {})]
for j in hooks:
    hook = j["metadata"]["annotations"]["helm.sh/hook"]
    if j["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate":
        check("pre-upgrade" in hook and j["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"],
              "migration Job is an upgrade hook running `todo-backend migrate`")

sys.exit(1 if failures else 0)
