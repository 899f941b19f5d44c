import json
def obj(props, required=(), extra=False, desc=None):
    o = {"type": "object", "properties": props, "additionalProperties": extra}
    if required: o["required"] = list(required)
    if desc: o["description"] = desc
    return o
def s(desc=None, **kw):
    o = {"type": "string", **kw}
    if desc: o["description"] = desc
    return o
def i(desc=None, **kw):
    o = {"type": "integer", **kw}
    if desc: o["description"] = desc
    return o
b = lambda desc=None: {"type": "boolean", **({"description": desc} if desc else {})}
anyobj = lambda desc=None: {"type": "object", **({"description": desc} if desc else {})}
arr = lambda desc=None: {"type": "array", **({"description": desc} if desc else {})}
port = i(minimum=1, maximum=65535)
image = obj({"repository": s(minLength=1), "tag": s("Defaults to the chart's appVersion."),
             "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]}}, ["repository"])
quantity = {"anyOf": [{"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$"}, {"type": "number"}]}
res_map = {"type": "object", "properties": {"cpu": quantity, "memory": quantity, "ephemeral-storage": quantity},
           "required": ["cpu", "memory"]}
resources = obj({"requests": res_map, "limits": res_map}, ["requests", "limits"],
                desc="Requests and limits are required: every container of the chart is bounded.")
probe = obj({"periodSeconds": i(minimum=1), "failureThreshold": i(minimum=1), "timeoutSeconds": i(minimum=1),
             "initialDelaySeconds": i(minimum=0), "successThreshold": i(minimum=1)})
envlist = {"type": "array", "items": {"type": "object", "required": ["name"]}}
pdb = obj({"enabled": b(), "minAvailable": {"anyOf": [i(minimum=0), s()]}})
sched = {"podAnnotations": anyobj(), "podLabels": anyobj(), "nodeSelector": anyobj(), "tolerations": arr(),
         "affinity": anyobj("Empty: a soft pod anti-affinity over nodes."), "topologySpreadConstraints": arr()}
service = lambda extra={}: obj({"type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]}, "port": port, **extra})
schema = {
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Values of the todo chart",
  "type": "object",
  "additionalProperties": False,
  "properties": {
    "global": anyobj(),
    "nameOverride": s(), "fullnameOverride": s(),
    "imagePullSecrets": {"type": "array", "items": obj({"name": s(minLength=1)}, ["name"])},
    "secrets": obj({
      "existingSecret": s("Name of an existing Secret with BETTER_AUTH_SECRET, DATABASE_URL and optionally OPENAI_API_KEY."),
      "betterAuthSecret": {"type": "string", "description": "HS256 key shared with the frontend; required unless existingSecret; 32+ characters.",
                           "anyOf": [{"maxLength": 0}, {"minLength": 32}]},
      "databaseUrl": {"type": "string", "description": "postgres:// URL; required unless existingSecret or postgresql.enabled.",
                      "anyOf": [{"maxLength": 0}, {"pattern": "^(postgres|postgresql)://"}]},
      "openaiApiKey": s("Optional: without it the offline agent answers."),
      "migrationDatabaseUrl": {"type": "string", "description": "Optional direct (unpooled) postgres:// URL for the migration Job.",
                               "anyOf": [{"maxLength": 0}, {"pattern": "^(postgres|postgresql)://"}]},
      "authDatabaseUrl": {"type": "string", "description": "database.roles=separate: Better Auth's postgres:// URL (the auth role), the frontend's only.",
                          "anyOf": [{"maxLength": 0}, {"pattern": "^(postgres|postgresql)://"}]},
    }),
    "database": obj({"roles": {"enum": ["shared", "separate"],
                               "description": "shared: one role for everything; separate (production): Better Auth's role for the frontend, "
                                              "an app role that cannot read Better Auth's tables for the rest."}}, ["roles"]),
    "serviceAccount": obj({"create": b(), "name": s(), "annotations": anyobj()}),
    "podSecurityContext": anyobj(), "containerSecurityContext": anyobj(),
    "auth": obj({"mode": {"enum": ["hs256", "jwks"], "description": "hs256 (shared secret) or jwks (frontend's published keys; production)."},
                 "audience": s(minLength=1), "issuer": s(),
                 "jwksUrl": {"type": "string", "anyOf": [{"maxLength": 0}, {"pattern": "^https?://"}]}}, ["mode", "audience"]),
    "backend": obj({
      "image": image, "replicaCount": i(minimum=1), "port": port, "args": {"type": "array", "items": s()},
      "logLevel": s(minLength=1),
      "llm": obj({"provider": {"enum": ["auto", "openai", "offline"]}, "model": s(),
                  "baseUrl": {"type": "string", "anyOf": [{"maxLength": 0}, {"pattern": "^https?://"}]}}, ["provider"]),
      "extraEnv": envlist, "resources": resources,
      "startupProbe": probe, "livenessProbe": probe, "readinessProbe": probe,
      "service": service(),
      "autoscaling": obj({"enabled": b(), "minReplicas": i(minimum=1), "maxReplicas": i(minimum=1),
                          "targetCPUUtilizationPercentage": i(minimum=1, maximum=100),
                          "targetMemoryUtilizationPercentage": {"anyOf": [{"type": "string", "maxLength": 0}, i(minimum=1, maximum=100)]}}),
      "podDisruptionBudget": pdb, "terminationGracePeriodSeconds": i(minimum=0), **sched,
    }, ["image", "port", "resources"]),
    "mcpSidecar": obj({"image": image, "port": port, "logLevel": s(minLength=1), "extraEnv": envlist,
                       "resources": resources, "startupProbe": probe, "livenessProbe": probe,
                       "readinessProbe": probe},
                      ["image", "port", "resources"]),
    "frontend": obj({
      "enabled": b(), "image": image, "replicaCount": i(minimum=1), "port": port,
      "betterAuthUrl": {"type": "string", "anyOf": [{"maxLength": 0}, {"pattern": "^https?://"}]},
      "trustedOrigins": {"type": "array", "items": s(pattern="^https?://")},
      "extraEnv": envlist, "resources": resources,
      "startupProbe": probe, "livenessProbe": probe, "readinessProbe": probe,
      "service": service({"nodePort": {"anyOf": [{"type": "null"}, i(minimum=30000, maximum=32767)]}}),
      "podDisruptionBudget": pdb, **sched,
    }, ["image", "port", "resources"]),
    "migrations": obj({"enabled": b(), "databaseUrlKey": s("Key of secrets.existingSecret the migration Job reads.", minLength=1),
                       "backoffLimit": i(minimum=0), "activeDeadlineSeconds": i(minimum=1),
                       "resources": resources}),
    "networkPolicy": obj({"enabled": b(), "egress": {"type": "array", "items": {"type": "object"}},
                          "restrictBackendEgress": b("Chat server egress: DNS, this release's pods and backendEgressExtra only."),
                          "backendEgressExtra": {"type": "array", "items": {"type": "object"}}}),
    "ingress": obj({"enabled": b(), "className": s(), "annotations": anyobj(), "host": s(minLength=1),
                    "path": s(pattern="^/"), "pathType": {"enum": ["Prefix", "Exact", "ImplementationSpecific"]},
                    "tlsSecretName": s()}),
    "postgresql": obj({
      "enabled": b(), "image": image,
      "auth": obj({"username": s(minLength=1), "database": s(minLength=1), "password": s(), "existingSecret": s(),
                   "authUsername": s("database.roles=separate: Better Auth's role.", pattern="^[a-z_][a-z0-9_]*$"),
                   "authPassword": s(),
                   "appUsername": s("database.roles=separate: the tasks' role.", pattern="^[a-z_][a-z0-9_]*$"),
                   "appPassword": s()}),
      "persistence": obj({"size": quantity, "storageClass": s()}),
      "resources": resources,
    }),
    "limits": obj({k: i(minimum=0) for k in [
        "turnsPerMinute", "concurrentTurnsPerUser", "maxTasksPerUser", "maxConversationsPerUser",
        "maxMessagesPerConversation", "historyMaxChars", "listMaxTasks"]},
        ["turnsPerMinute", "concurrentTurnsPerUser", "maxTasksPerUser", "maxConversationsPerUser",
         "maxMessagesPerConversation", "historyMaxChars", "listMaxTasks"],
        desc="Per-user limits (docs/operations.md); 0 lifts one."),
    "tests": obj({"enabled": b()}),
    "localModel": obj({
      "enabled": b("Run an Ollama server with one model beside the app and point the backend at it."),
      "image": obj({"repository": s(minLength=1), "tag": s(minLength=1),
                    "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]}}, ["repository", "tag"]),
      "model": s("An Ollama library model with tool calling, e.g. qwen2.5:1.5b.", minLength=1),
      "port": port, "contextLength": i(minimum=512), "timeoutSeconds": i(minimum=1),
      "persistence": obj({"enabled": b(), "size": quantity, "storageClass": s()}),
      "resources": resources, "pullResources": resources,
    }, ["enabled", "image", "model", "port", "resources", "pullResources"]),
    "demo": obj({"sidecarFault": {"enum": ["", "crash", "hang", "bad-db"],
                                  "description": "Breaks the MCP sidecar on purpose (docs/demo.md); empty = healthy."}}),
  },
  "required": ["secrets", "backend", "mcpSidecar", "frontend"],
}
print(json.dumps(schema, indent=2))
