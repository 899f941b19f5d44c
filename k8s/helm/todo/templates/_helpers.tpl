{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "todo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped base name of every object. */}}
{{- define "todo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: fullname-component (the component is at most 11 chars). */}}
{{- define "todo.componentName" -}}
{{- printf "%s-%s" (include "todo.fullname" .ctx | trunc 52 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "todo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels; call with (dict "ctx" $ "component" "backend"). */}}
{{- define "todo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "todo.labels" -}}
helm.sh/chart: {{ include "todo.chart" .ctx }}
{{ include "todo.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: todo
{{- end -}}

{{/* image reference; call with (dict "ctx" $ "image" .Values.backend.image). */}}
{{- define "todo.image" -}}
{{- printf "%s:%s" .image.repository (default .ctx.Chart.AppVersion .image.tag | toString) -}}
{{- end -}}

{{- define "todo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "todo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding BETTER_AUTH_SECRET, DATABASE_URL and OPENAI_API_KEY. */}}
{{- define "todo.secretName" -}}
{{- default (include "todo.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "todo.postgresql.host" -}}
{{- include "todo.componentName" (dict "ctx" . "component" "postgresql") -}}
{{- end -}}

{{- define "todo.postgresql.secretName" -}}
{{- default (include "todo.componentName" (dict "ctx" . "component" "postgresql")) .Values.postgresql.auth.existingSecret -}}
{{- end -}}

{{/*
Fails the render with a clear message when a required secret is missing.
Secrets have no defaults on purpose: they come from the environment at install
time or from an existing Secret.
*/}}
{{- define "todo.validate" -}}
{{- if not .Values.secrets.existingSecret -}}
{{- if not .Values.secrets.betterAuthSecret -}}
{{- fail "\n\nsecrets.betterAuthSecret is required (the JWT key shared by the frontend and the backend, 32+ characters).\nPass it from the environment: --set-string secrets.betterAuthSecret=\"$BETTER_AUTH_SECRET\"\nor create a Secret with the keys BETTER_AUTH_SECRET and DATABASE_URL (and optionally OPENAI_API_KEY) and set secrets.existingSecret=NAME." -}}
{{- end -}}
{{- if and (not .Values.secrets.databaseUrl) (not .Values.postgresql.enabled) -}}
{{- fail "\n\nsecrets.databaseUrl is required (postgres://USER:PASSWORD@HOST:5432/DB?sslmode=require).\nPass it from the environment: --set-string secrets.databaseUrl=\"$DATABASE_URL\"\nor set postgresql.enabled=true for an in-cluster database, or set secrets.existingSecret=NAME." -}}
{{- end -}}
{{- end -}}
{{- if and .Values.postgresql.enabled (not .Values.postgresql.auth.password) (not .Values.postgresql.auth.existingSecret) -}}
{{- fail "\n\npostgresql.auth.password is required when postgresql.enabled=true (or postgresql.auth.existingSecret naming a Secret with POSTGRES_PASSWORD)." -}}
{{- end -}}
{{- if and (eq .Values.auth.mode "jwks") (not .Values.frontend.enabled) (not .Values.auth.jwksUrl) -}}
{{- fail "\n\nauth.mode=jwks needs the frontend (frontend.enabled=true), whose /api/auth/jwks publishes the keys, or auth.jwksUrl pointing at another one." -}}
{{- end -}}
{{- if and (ne .Values.auth.mode "jwks") .Values.auth.jwksUrl -}}
{{- fail "\n\nauth.jwksUrl is set but auth.mode is hs256: set auth.mode=jwks so the frontend issues tokens signed with its published keys." -}}
{{- end -}}
{{- if and .Values.postgresql.enabled .Values.postgresql.auth.existingSecret (not .Values.secrets.existingSecret) (not .Values.secrets.databaseUrl) -}}
{{- fail "\n\nWith postgresql.auth.existingSecret the chart cannot build DATABASE_URL: set secrets.databaseUrl or secrets.existingSecret." -}}
{{- end -}}
{{- include "todo.validateRoles" . -}}
{{- end -}}

{{/* True (non-empty) with database.roles=separate. */}}
{{- define "todo.separateRoles" -}}
{{- if eq ((.Values.database | default dict).roles | default "shared") "separate" -}}true{{- end -}}
{{- end -}}

{{/* The user name of a postgres:// URL ("" when it has none). */}}
{{- define "todo.urlUser" -}}
{{- (splitList ":" ((urlParse .).userinfo | default "")) | first | default "" -}}
{{- end -}}

{{- define "todo.validateRoles" -}}
{{- $pg := .Values.postgresql -}}
{{- if not (include "todo.separateRoles" .) -}}
{{- if .Values.secrets.authDatabaseUrl -}}
{{- fail "\n\nsecrets.authDatabaseUrl is set but database.roles is shared: set database.roles=separate so the frontend uses it and the chat server and the sidecar do not." -}}
{{- end -}}
{{- else -}}
{{- if and (not .Values.secrets.existingSecret) (not .Values.secrets.authDatabaseUrl) (not $pg.enabled) -}}
{{- fail "\n\ndatabase.roles=separate needs secrets.authDatabaseUrl (Better Auth's role; secrets.databaseUrl is the app role's),\nor secrets.existingSecret with the key AUTH_DATABASE_URL, or postgresql.enabled=true. Create the roles with files/database-roles.sql (docs/operations.md)." -}}
{{- end -}}
{{- if and $pg.enabled (not $pg.auth.existingSecret) (or (not $pg.auth.authPassword) (not $pg.auth.appPassword)) -}}
{{- fail "\n\ndatabase.roles=separate with postgresql.enabled=true needs postgresql.auth.authPassword and postgresql.auth.appPassword\n(or postgresql.auth.existingSecret with AUTH_PASSWORD and APP_PASSWORD)." -}}
{{- end -}}
{{- if and $pg.enabled $pg.auth.existingSecret (not .Values.secrets.existingSecret) (not .Values.secrets.authDatabaseUrl) -}}
{{- fail "\n\nWith postgresql.auth.existingSecret the chart cannot build AUTH_DATABASE_URL: set secrets.authDatabaseUrl or secrets.existingSecret." -}}
{{- end -}}
{{- if and $pg.enabled (eq $pg.auth.authUsername $pg.auth.appUsername) -}}
{{- fail "\n\npostgresql.auth.authUsername and postgresql.auth.appUsername must differ." -}}
{{- end -}}
{{- if not .Values.secrets.existingSecret -}}
{{- $app := include "todo.urlUser" (include "todo.databaseUrl" .) -}}
{{- if eq $app (include "todo.urlUser" (include "todo.authDatabaseUrl" .)) -}}
{{- fail (printf "\n\ndatabase.roles=separate: secrets.databaseUrl and secrets.authDatabaseUrl log in as the same role (%s); give each its own role." $app) -}}
{{- end -}}
{{- if and $pg.enabled (eq $app $pg.auth.username) -}}
{{- fail (printf "\n\ndatabase.roles=separate: secrets.databaseUrl logs in as %s, the owner of the in-cluster database; leave it empty (the app role postgresql.auth.appUsername is used) or name the app role." $app) -}}
{{- end -}}
{{- with .Values.secrets.migrationDatabaseUrl -}}
{{- if ne $app (include "todo.urlUser" .) -}}
{{- fail "\n\ndatabase.roles=separate: secrets.migrationDatabaseUrl must log in as the app role of secrets.databaseUrl (the migration creates the tables that role owns)." -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* DATABASE_URL for the chart's own Secret: with the in-cluster database,
its owner, or the app role with database.roles=separate. */}}
{{- define "todo.databaseUrl" -}}
{{- if .Values.secrets.databaseUrl -}}
{{- .Values.secrets.databaseUrl -}}
{{- else -}}
{{- $pg := .Values.postgresql.auth -}}
{{- $user := ternary $pg.appUsername $pg.username (not (empty (include "todo.separateRoles" .))) -}}
{{- $password := ternary $pg.appPassword $pg.password (not (empty (include "todo.separateRoles" .))) -}}
{{- printf "postgres://%s:%s@%s:5432/%s" ($user | urlquery) ($password | urlquery) (include "todo.postgresql.host" .) $pg.database -}}
{{- end -}}
{{- end -}}

{{/* AUTH_DATABASE_URL (database.roles=separate): Better Auth's role. */}}
{{- define "todo.authDatabaseUrl" -}}
{{- if .Values.secrets.authDatabaseUrl -}}
{{- .Values.secrets.authDatabaseUrl -}}
{{- else -}}
{{- $pg := .Values.postgresql.auth -}}
{{- printf "postgres://%s:%s@%s:5432/%s" ($pg.authUsername | urlquery) ($pg.authPassword | urlquery) (include "todo.postgresql.host" .) $pg.database -}}
{{- end -}}
{{- end -}}

{{/* Environment of both Rust containers: their secrets. In jwks mode they
verify tokens with the frontend's public keys and never get BETTER_AUTH_SECRET. */}}
{{- define "todo.rustSecretEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "todo.secretName" . }}
      key: DATABASE_URL
{{ include "todo.rustAuthSecretEnv" . }}
{{- end -}}

{{- define "todo.rustAuthSecretEnv" -}}
{{- if ne .Values.auth.mode "jwks" -}}
- name: BETTER_AUTH_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "todo.secretName" . }}
      key: BETTER_AUTH_SECRET
{{- end -}}
{{- end -}}

{{/* The expected `iss`: auth.issuer, else in jwks mode the frontend's public
URL (what it writes into `iss`); empty (unchecked) in hs256 mode. */}}
{{- define "todo.authIssuer" -}}
{{- if .Values.auth.issuer -}}
{{- .Values.auth.issuer -}}
{{- else if eq .Values.auth.mode "jwks" -}}
{{- include "todo.betterAuthUrl" . -}}
{{- end -}}
{{- end -}}

{{/* The JWKS endpoint in jwks mode: auth.jwksUrl, else the frontend Service's. */}}
{{- define "todo.jwksUrl" -}}
{{- if eq .Values.auth.mode "jwks" -}}
{{- if .Values.auth.jwksUrl -}}
{{- .Values.auth.jwksUrl -}}
{{- else -}}
{{- printf "http://%s.%s.svc.cluster.local:%v/api/auth/jwks" (include "todo.componentName" (dict "ctx" . "component" "frontend")) .Release.Namespace .Values.frontend.service.port -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Soft anti-affinity spreading a component's replicas over nodes. */}}
{{- define "todo.defaultAffinity" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "todo.selectorLabels" . | nindent 12 }}
{{- end -}}

{{/*
Better Auth's base URL, as the browser sees the frontend: frontend.betterAuthUrl,
else the Ingress host, else http://localhost:3000 (`kubectl port-forward
service/<frontend> 3000:80`, the guide's main path). Always set, so sign-up
works on the first install.
*/}}
{{- define "todo.betterAuthUrl" -}}
{{- if .Values.frontend.betterAuthUrl -}}
{{- .Values.frontend.betterAuthUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "http%s://%s" (ternary "s" "" (not (empty .Values.ingress.tlsSecretName))) .Values.ingress.host -}}
{{- else -}}
http://localhost:3000
{{- end -}}
{{- end -}}
