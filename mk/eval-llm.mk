# A real small model against the OpenAI-compatible agent (slow; not part of `make test`).
.PHONY: eval-llm

eval-llm: ## Serve a local 1.5B model and measure the agent on it (tool accuracy, unbacked claims, turn times)
	scripts/eval-llm/run.sh
