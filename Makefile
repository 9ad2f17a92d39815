# csd build entry point. `make` sets everything up on a fresh machine: a project-local Deno
# (from the npm package), the cached npm dependencies, and bin/ with one executable per
# subcommand. Nothing outside this checkout is touched.
SHELL := /bin/bash
ROOT := $(CURDIR)
TOOLS := $(ROOT)/.tools
DENO_VERSION := 2.9.6
CLAUDE_VERSION := 2.1.197
DENO := $(TOOLS)/bin/deno
CLAUDE := $(TOOLS)/harness/node_modules/.bin/claude
export DENO_DIR := $(TOOLS)/deno-dir
export DENO_NO_UPDATE_CHECK := 1
NPM_INSTALL := npm install --no-audit --no-fund --loglevel=error

SUBCOMMANDS := launch adopt list prune grant-consent help converse send wait-for-turn status \
	read-events read-turn stop handoff session-id events-file
ENTRYPOINTS := $(SUBCOMMANDS:%=commands/%.ts) hooks/event_hook.ts

.PHONY: all deno deps bin harnesses test test-fast demo lint ok fmt clean

all: bin

deno: $(DENO)

$(DENO):
	mkdir -p $(TOOLS)/deno $(TOOLS)/bin
	cd $(TOOLS)/deno && $(NPM_INSTALL) --prefix . deno@$(DENO_VERSION)
	@# The npm package ships the binary in a platform package; its postinstall (which may not
	@# run) only copies it. Link whichever copy actually runs.
	for f in $(TOOLS)/deno/node_modules/deno/deno $(TOOLS)/deno/node_modules/@deno/*/deno; do \
	  if [ -x "$$f" ] && "$$f" --version >/dev/null 2>&1; then ln -sf "$$f" $(DENO); break; fi; \
	done
	$(DENO) --version

deps: $(TOOLS)/.deps-stamp

$(TOOLS)/.deps-stamp: $(DENO) deno.json deno.lock
	$(DENO) install --frozen --entrypoint $(ENTRYPOINTS) tests/*.ts
	touch $@

bin: deps
	bash tools/make_bin.sh "$(DENO)" "$(ROOT)" $(SUBCOMMANDS)

harnesses: $(CLAUDE)

$(CLAUDE):
	mkdir -p $(TOOLS)/harness
	cd $(TOOLS)/harness && $(NPM_INSTALL) --prefix . @anthropic-ai/claude-code@$(CLAUDE_VERSION)
	$(CLAUDE) --version

test: bin harnesses
	$(DENO) test -A --no-check tests/

test-fast: bin
	$(DENO) test -A --no-check --ignore=tests/real_claude_test.ts tests/

lint: deps
	$(DENO) fmt --check
	$(DENO) lint
	$(DENO) check commands/ lib/ hooks/ tests/ tools/

ok: lint test

fmt: $(DENO)
	$(DENO) fmt

clean:
	rm -rf bin build

demo: bin harnesses
	$(DENO) run -A --no-check tools/demo.ts
