# Generated from commands/registry.ts by `make subcommands`: do not edit.
# Sourced by tools/dispatcher.sh and read by the Makefile (SUBCOMMANDS).
TOP_SUBCOMMANDS="launch adopt list prune grant-consent doctor wait help"
WORKER_SUBCOMMANDS="converse send wait-for-turn status read-events read-turn stop handoff session-id events-file usage pending approve deny answer"
