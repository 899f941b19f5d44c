# Containers, the Helm chart and Minikube. Included by the root Makefile.
#
#   make images            build todo-backend, todo-mcp, todo-frontend with podman
#   make chart-lint        helm lint of the chart
#   make chart-check       lint + render + kubernetes-validate + kube-score + invariants
#   make pod-test          the backend pod for real with podman kube play
#   make minikube-images / minikube-deploy / minikube-open / minikube-test / minikube-delete
#   make demo-crash / demo-hang / demo-bad-db / demo-heal / demo-status   (docs/demo.md)

DEPLOY_SCRIPTS := scripts/deploy
CHART_DIR      := k8s/helm/todo
# prebuilt: reuse `cargo build --release` of this machine; source: compile in the image build.
RUST_BINARIES  ?= prebuilt
IMAGE_TAG      ?= dev
HELM_RELEASE   ?= todo
K8S_NAMESPACE  ?= todo

export RUST_BINARIES IMAGE_TAG HELM_RELEASE K8S_NAMESPACE

.PHONY: deploy-tools base-images images image-backend image-mcp image-frontend image-sizes \
        chart-lint chart-template chart-check pod-test deploy-check \
        minikube-images minikube-images-source minikube-images-in-cluster minikube-deploy minikube-open minikube-test minikube-delete \
        demo-crash demo-hang demo-bad-db demo-heal demo-status

deploy-tools: ## helm, kube-score and kubernetes-validate into .tools/
	$(DEPLOY_SCRIPTS)/tools.sh

base-images: ## local stand-ins for the base images (machines without a registry)
	$(DEPLOY_SCRIPTS)/base-images.sh

images: ## all three images
	$(DEPLOY_SCRIPTS)/images.sh

image-backend:
	$(DEPLOY_SCRIPTS)/images.sh backend

image-mcp:
	$(DEPLOY_SCRIPTS)/images.sh mcp-sidecar

image-frontend:
	$(DEPLOY_SCRIPTS)/images.sh frontend

image-sizes:
	podman images --filter 'reference=localhost/todo-*' --format '{{.Repository}}:{{.Tag}}  {{.Size}}'

chart-lint: deploy-tools
	.tools/bin/helm lint --strict $(CHART_DIR) -f $(CHART_DIR)/ci/default-values.yaml \
	  --set-string secrets.betterAuthSecret=lint-only-0123456789abcdef0123456789 \
	  --set-string secrets.databaseUrl=postgres://lint@localhost/lint

chart-template: deploy-tools ## render with the default values (throw-away secrets) to stdout
	.tools/bin/helm template todo $(CHART_DIR) --kube-version 1.33.0 \
	  --set-string secrets.betterAuthSecret=template-only-0123456789abcdef01234 \
	  --set-string secrets.databaseUrl=postgres://template@localhost/template

chart-check: ## helm lint/template, kubernetes-validate, kube-score, invariants
	$(DEPLOY_SCRIPTS)/chart-check.sh

pod-test: ## podman kube play of the backend pod against PostgreSQL
	$(DEPLOY_SCRIPTS)/pod-test.sh

deploy-check: chart-check pod-test

minikube-images: ## host release build -> images -> minikube image load (chart's names and tags)
	$(DEPLOY_SCRIPTS)/minikube.sh images

minikube-images-source: ## the same, compiled inside the image build (macOS/Windows)
	$(DEPLOY_SCRIPTS)/minikube.sh images-source

minikube-images-in-cluster: ## minikube image build: compiled inside the Minikube node
	$(DEPLOY_SCRIPTS)/minikube.sh images-in-cluster

minikube-deploy:
	$(DEPLOY_SCRIPTS)/minikube.sh deploy

minikube-open:
	$(DEPLOY_SCRIPTS)/minikube.sh open

minikube-test:
	$(DEPLOY_SCRIPTS)/minikube.sh test

minikube-delete:
	$(DEPLOY_SCRIPTS)/minikube.sh delete

# The sidecar failure demo (docs/demo.md) on an installed release.
demo-crash: ## the MCP sidecar crashes on start (CrashLoopBackOff)
	$(DEPLOY_SCRIPTS)/sidecar-fault.sh crash

demo-hang: ## the MCP sidecar lives but never answers
	$(DEPLOY_SCRIPTS)/sidecar-fault.sh hang

demo-bad-db: ## the MCP sidecar gets a wrong DATABASE_URL
	$(DEPLOY_SCRIPTS)/sidecar-fault.sh bad-db

demo-heal: ## undo any demo fault
	$(DEPLOY_SCRIPTS)/sidecar-fault.sh heal

demo-status:
	$(DEPLOY_SCRIPTS)/sidecar-fault.sh status
