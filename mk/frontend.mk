# The web frontend (frontend/). Included by the root Makefile.
.PHONY: frontend-deps frontend-build frontend-test frontend-e2e

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend-deps: frontend/node_modules/.package-lock.json

frontend-build: frontend-deps ## Build the web app and its server
	cd frontend && npm run build

frontend-test: frontend-deps test-bins ## Frontend lint, units, and the browser end-to-end run
	cd frontend && npm run lint && npm run format:check && npm test
	cd frontend && E2E_REQUIRED=1 TODO_BACKEND_BIN=$(CURDIR)/target/debug/todo-backend npm run e2e

frontend-e2e: frontend-deps test-bins
	cd frontend && E2E_REQUIRED=1 TODO_BACKEND_BIN=$(CURDIR)/target/debug/todo-backend npm run e2e
