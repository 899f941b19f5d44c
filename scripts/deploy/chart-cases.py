#!/usr/bin/env python3
"""Checks what one value set of the chart must render.

Usage: chart-cases.py CASE RENDERED.yaml
CASE: healthy | crash | hang | bad-db | local-model | ingress-url | neon | neon-existing-secret | jwks
      | roles | roles-in-cluster | roles-existing-secret
Prints one PASS/FAIL line per property; exits 1 when any fails.
"""
import base64
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

case, rendered = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
failures = 0


def check(ok, what):
    global failures
    print(("PASS: " if ok else "FAIL: ") + f"[{case}] {what}")
    failures += 0 if ok else 1


def component(kind, name):
    return [d for d in docs if d["kind"] == kind and d["metadata"]["labels"].get("app.kubernetes.io/component") == name]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


backend = component("Deployment", "backend")[0]
containers = {c["name"]: c for c in backend["spec"]["template"]["spec"]["containers"]}
side_env = env_of(containers["mcp-sidecar"])
backend_env = env_of(containers["backend"])
rolling = backend["spec"]["strategy"]["rollingUpdate"]
config = component("ConfigMap", "backend")[0]["data"]
frontend = component("Deployment", "frontend")
front_env = env_of(frontend[0]["spec"]["template"]["spec"]["containers"][0]) if frontend else {}
from_secret = lambda e: "secretKeyRef" in e.get("valueFrom", {})

probe = containers["mcp-sidecar"].get("readinessProbe", {}).get("exec", {}).get("command", [])
check(probe[1:2] == ["healthcheck"] and probe[-1].endswith("/readyz"), "sidecar readiness runs `todo-mcp healthcheck` on its /readyz")
check(from_secret(backend_env["DATABASE_URL"]), "chat server's DATABASE_URL comes from the Secret")

if case in ("healthy", "local-model", "ingress-url"):
    check("TODO_MCP_DEMO_FAULT" not in side_env and from_secret(side_env["DATABASE_URL"]), "no demo fault in the sidecar")
    check(rolling["maxUnavailable"] == 0, "rolling update keeps every ready pod (maxUnavailable 0)")
if case == "healthy":
    check(front_env.get("BETTER_AUTH_URL", {}).get("value") == "http://localhost:3000",
          "BETTER_AUTH_URL defaults to http://localhost:3000 (kubectl port-forward)")
    check(not component("Deployment", "model") and "OPENAI_BASE_URL" not in config, "no local model by default")
if case in ("crash", "hang"):
    check(side_env.get("TODO_MCP_DEMO_FAULT", {}).get("value") == case, f"sidecar gets TODO_MCP_DEMO_FAULT={case}")
if case in ("crash", "hang", "bad-db"):
    check(rolling["maxUnavailable"] == "100%", "the fault replaces every pod at once (maxUnavailable 100%)")
    check("TODO_MCP_DEMO_FAULT" not in backend_env, "the chat server itself is untouched")
if case == "bad-db":
    url = side_env["DATABASE_URL"].get("value", "")
    check(url.startswith("postgres://todo@127.0.0.1:") and "TODO_MCP_DEMO_FAULT" not in side_env,
          f"sidecar DATABASE_URL is a local one without password: {url}")
if case == "local-model":
    model = component("Deployment", "model")
    check(len(model) == 1, "one model server Deployment")
    if model:
        spec = model[0]["spec"]["template"]["spec"]
        image = spec["containers"][0]["image"]
        check("ollama" in image and not image.endswith(":latest"), f"model server image pinned: {image}")
        check([c["name"] for c in spec.get("initContainers", [])] == ["pull-model"], "model pulled by an init container")
        check(model[0]["spec"]["strategy"]["type"] == "Recreate", "Recreate (one pod owns the volume)")
    svc = component("Service", "model")
    check(svc and svc[0]["spec"]["ports"][0]["port"] == 11434, "Service on port 11434")
    check(config.get("LLM_PROVIDER") == "openai" and config.get("OPENAI_BASE_URL", "").endswith(":11434/v1")
          and config.get("OPENAI_MODEL") == "qwen2.5:1.5b" and config.get("MODEL_TIMEOUT_SECS") == "180",
          f"backend points at it: {config.get('OPENAI_BASE_URL')} model {config.get('OPENAI_MODEL')}")
    check(bool(component("PersistentVolumeClaim", "model")), "the model is kept on a volume")
    pol = component("NetworkPolicy", "model")
    src = pol[0]["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"] if pol else {}
    check(src.get("app.kubernetes.io/component") == "backend", "only the chat server may reach the model server")
if case == "ingress-url":
    check(front_env.get("BETTER_AUTH_URL", {}).get("value") == "https://todo.example.org",
          "BETTER_AUTH_URL follows the Ingress host (https with a TLS secret)")

if case == "healthy":
    check("BETTER_AUTH_SECRET" in side_env and "BETTER_AUTH_SECRET" in backend_env and "AUTH_JWKS_URL" not in config,
          "hs256 by default: both Rust containers share BETTER_AUTH_SECRET, no JWKS")
if case == "jwks":
    check("BETTER_AUTH_SECRET" not in side_env and "BETTER_AUTH_SECRET" not in backend_env,
          "neither the chat server nor the sidecar gets BETTER_AUTH_SECRET")
    check(front_env.get("AUTH_TOKEN_MODE", {}).get("value") == "jwks", "the frontend issues EdDSA tokens (AUTH_TOKEN_MODE=jwks)")
    jwks = "http://todo-frontend.todo.svc.cluster.local:80/api/auth/jwks"
    check(config.get("AUTH_JWKS_URL") == jwks and side_env.get("AUTH_JWKS_URL", {}).get("value") == jwks,
          f"both verify against the frontend's JWKS: {jwks}")
    check(config.get("AUTH_ISSUER") == "http://localhost:3000" == side_env.get("AUTH_ISSUER", {}).get("value")
          == front_env.get("BETTER_AUTH_URL", {}).get("value"), "iss checked by default: the frontend's public URL")
    pol = component("NetworkPolicy", "backend")[0]["spec"]["egress"]
    check({} not in pol and any(p.get("ports", [{}])[0].get("port") == 53 for p in pol)
          and any(t.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/instance") == "todo"
                  for p in pol for t in p.get("to", [])),
          "chat server egress restricted to DNS and this release's pods")
if case in ("neon", "neon-existing-secret"):
    job = component("Job", "migrate")[0]
    ref = job["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]
    if case == "neon":
        copy = [d for d in component("Secret", "migrate") if d["metadata"]["name"] == ref["name"]]
        url = base64.b64decode(copy[0]["data"][ref["key"]]).decode() if copy else ""
        app = base64.b64decode([d for d in docs if d["kind"] == "Secret" and "DATABASE_URL" in d.get("data", {})
                                and d["metadata"]["labels"]["app.kubernetes.io/component"] == "backend"][0]["data"]["DATABASE_URL"]).decode()
        check("-pooler" not in url and url.startswith("postgres://") and "-pooler" in app,
              "migration Job uses the direct host, the app the pooled one")
    else:
        check(ref == {"name": "todo-secrets", "key": "MIGRATION_DATABASE_URL"},
              f"migration Job reads MIGRATION_DATABASE_URL of the existing Secret: {ref}")



def secret_value(name, key):
    found = [d for d in docs if d["kind"] == "Secret" and d["metadata"]["name"] == name and key in d.get("data", {})]
    return base64.b64decode(found[0]["data"][key]).decode() if found else ""


def secret_refs(spec):
    """(container, env name, secret name, key) of every secretKeyRef and the names of envFrom secrets."""
    for c in spec.get("initContainers", []) + spec["containers"]:
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                yield c["name"], e["name"], ref["name"], ref["key"]
        for f in c.get("envFrom", []):
            if "secretRef" in f:
                yield c["name"], "*", f["secretRef"]["name"], "*"


front_db = front_env.get("DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef", {})
if case == "healthy":
    check(front_db.get("key") == "DATABASE_URL" and not any(
        "AUTH_DATABASE_URL" in d.get("data", {}) for d in docs if d["kind"] == "Secret"),
        "one database role by default: the frontend reads DATABASE_URL, no AUTH_DATABASE_URL anywhere")
def user(url):
    return urlsplit(url).username or ""


if case.startswith("roles"):
    check(front_db.get("key") == "AUTH_DATABASE_URL", f"the frontend's DATABASE_URL is the Secret's AUTH_DATABASE_URL: {front_db}")
    # Everything the chat server's pod and the migration Job can read from Secrets.
    job = component("Job", "migrate")[0]
    refs = [("backend", *r) for r in secret_refs(backend["spec"]["template"]["spec"])]
    refs += [("migrate", *r) for r in secret_refs(job["spec"]["template"]["spec"])]
    check(not any(key in ("AUTH_DATABASE_URL", "*") for *_, key in refs),
          "neither the chat server, the sidecar nor the migration Job reads AUTH_DATABASE_URL (or a whole Secret)")
    for pod, container, env, _secret, key in refs:
        if env == "DATABASE_URL":
            check(key in ("DATABASE_URL", "MIGRATION_DATABASE_URL"), f"{pod}/{container}: DATABASE_URL from key {key}")
    if case != "roles-existing-secret":
        app = secret_value("todo", "DATABASE_URL")
        auth = secret_value("todo", "AUTH_DATABASE_URL")
        ref = job["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]
        migration = secret_value(ref["name"], ref["key"])
        check(user(app) == "todo_app" and user(auth) == "todo_auth" and user(migration) == "todo_app",
              f"app role for the Rust containers and the migration ({user(app)}, {user(migration)}), "
              f"auth role for the frontend ({user(auth)})")
    else:
        check(front_db.get("name") == "todo-secrets", "the frontend reads AUTH_DATABASE_URL of the existing Secret")
    inits = job["spec"]["template"]["spec"].get("initContainers", [])
    if case == "roles-in-cluster":
        init = inits[0] if inits else {}
        cmd = init.get("command", [])
        env = env_of(init)
        check(init.get("name") == "database-roles" and cmd[:1] == ["psql"] and "auth_role=todo_auth" in cmd
              and "app_role=todo_app" in cmd and cmd[-2:] == ["-f", "/roles/database-roles.sql"],
              f"an init container creates the roles with psql before the migration: {cmd}")
        check(env.get("PGUSER", {}).get("value") == "todo"
              and env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "todo-postgresql", "key": "POSTGRES_PASSWORD"},
              "it logs in as the database's owner")
        sql = secret_value("todo-db-roles", "database-roles.sql")
        here = Path(__file__).resolve().parents[2] / "k8s/helm/todo/files/database-roles.sql"
        check(sql == here.read_text(), "it runs files/database-roles.sql, the script operators run")
        check(secret_value("todo-db-roles", "APP_PASSWORD") and secret_value("todo-db-roles", "AUTH_PASSWORD")
              and secret_value("todo-db-roles", "APP_PASSWORD") in secret_value("todo", "DATABASE_URL"),
              "the roles' passwords are the ones in the app's URLs")
    else:
        check(not inits, "an outside database: the chart creates no roles (it has no owner's credentials)")

sys.exit(1 if failures else 0)
