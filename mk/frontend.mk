# The web frontend (frontend/). Included by the root Makefile.
.PHONY: frontend-deps frontend-build frontend-test frontend-e2e

# Node 24 LTS (scripts/install-node.sh puts it on a Debian 12 machine). Native modules
# (better-sqlite3) compile against the running node's own headers, found beside its binary,
# so node-gyp never downloads them. node_modules is reinstalled when the node ABI changes.
NODE_PREFIX := $(shell node -p "require('path').resolve(process.execPath, '../..')" 2>/dev/null)
NODE_ABI := $(shell node -p process.versions.modules 2>/dev/null)
NODE_MAJOR := $(shell node -p "process.versions.node.split('.')[0]" 2>/dev/null)

frontend/node_modules/.installed-abi-$(NODE_ABI): frontend/package-lock.json
	@[ "$(NODE_MAJOR)" = 24 ] || echo "warning: node $(NODE_MAJOR) found; the frontend targets Node 24 (scripts/install-node.sh)" >&2
	cd frontend && npm_config_nodedir=$(NODE_PREFIX) npm ci --no-audit --no-fund
	touch $@

frontend-deps: frontend/node_modules/.installed-abi-$(NODE_ABI)

frontend-build: frontend-deps ## Build the web app and its server
	cd frontend && npm run build

frontend-test: frontend-deps test-bins ## Frontend lint, units, and the browser end-to-end run
	cd frontend && npm run lint && npm run format:check && npm test
	cd frontend && E2E_REQUIRED=1 TODO_BACKEND_BIN=$(CURDIR)/target/debug/todo-backend npm run e2e

frontend-e2e: frontend-deps test-bins
	cd frontend && E2E_REQUIRED=1 TODO_BACKEND_BIN=$(CURDIR)/target/debug/todo-backend npm run e2e
