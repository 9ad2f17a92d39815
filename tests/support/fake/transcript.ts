// The transcript in Claude's JSONL format (out-of-order writes included). Part of the fake claude:
// see ../fake_claude.ts.
import { FakeHooks } from "./hooks.ts";
import { MODEL_API, VERSION } from "./script.ts";
import { bullet, promptLines } from "./terminal.ts";
import { dirname, nowIso, uuid } from "./util.ts";

export abstract class FakeTranscript extends FakeHooks {
  common() {
    return {
      userType: "external",
      entrypoint: "cli",
      cwd: this.cwd,
      sessionId: this.sessionId,
      version: VERSION,
      gitBranch: "HEAD",
    };
  }

  writeLine(obj: unknown) {
    Deno.mkdirSync(dirname(this.transcriptPath), { recursive: true });
    if (!this.fileStarted) {
      this.fileStarted = true;
      if (!this.resuming) {
        const meta = [
          { type: "mode", mode: "normal", sessionId: this.sessionId },
          {
            type: "permission-mode",
            permissionMode: "bypassPermissions",
            sessionId: this.sessionId,
          },
        ];
        Deno.writeTextFileSync(
          this.transcriptPath,
          meta.map((m) => JSON.stringify(m) + "\n").join(""),
          { append: true },
        );
      }
    }
    Deno.writeTextFileSync(this.transcriptPath, JSON.stringify(obj) + "\n", { append: true });
  }

  // Builds a chained line: assigns uuid/parentUuid/timestamp and advances the tip.
  chain<T extends Record<string, unknown>>(build: (parent: string | null) => T): T & {
    uuid: string;
  } {
    const u = uuid();
    const obj = build(this.tip) as T & { uuid: string };
    obj.uuid = u;
    this.tip = u;
    this.messageCount++;
    return obj;
  }

  userPromptLine(text: string, source: "typed" | "queued") {
    const u = uuid();
    const ts = nowIso();
    this.writeLine({
      type: "file-history-snapshot",
      messageId: u,
      snapshot: { messageId: u, trackedFileBackups: {}, timestamp: ts },
      isSnapshotUpdate: false,
    });
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      promptId: this.promptId,
      type: "user",
      message: { role: "user", content: text },
      uuid: u,
      timestamp: ts,
      permissionMode: "bypassPermissions",
      origin: { kind: "human" },
      promptSource: source,
      ...this.common(),
    };
    this.tip = u;
    this.messageCount++;
    this.writeLine(line);
  }

  plainUserLine(content: unknown) {
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      promptId: this.promptId,
      type: "user",
      message: { role: "user", content },
      uuid: uuid(),
      timestamp: nowIso(),
      ...this.common(),
    };
    this.tip = line.uuid;
    this.messageCount++;
    this.writeLine(line);
  }

  attachmentLine() {
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      attachment: {
        type: "skill_listing",
        content: "- update-config: Use this skill to configure the Claude Code harness.",
      },
      type: "attachment",
      uuid: uuid(),
      timestamp: nowIso(),
      ...this.common(),
    };
    this.tip = line.uuid;
    this.writeLine(line);
  }

  // An assistant line for one content block. Not written: the caller decides the file order.
  assistantLine(msgId: string, block: unknown, stopReason: string) {
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      message: {
        id: msgId,
        type: "message",
        role: "assistant",
        model: MODEL_API,
        content: [block],
        stop_reason: stopReason,
        stop_sequence: null,
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 5,
          server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
          service_tier: "standard",
          cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
          inference_geo: "",
          iterations: [],
          speed: "standard",
        },
        stop_details: null,
      },
      type: "assistant",
      uuid: uuid(),
      timestamp: nowIso(),
      ...this.common(),
    };
    this.tip = line.uuid;
    this.messageCount++;
    return line;
  }

  toolResultLine(
    toolUseId: string,
    content: unknown,
    isError: boolean,
    toolUseResult: unknown,
    sourceUuid: string,
  ) {
    const block = isError
      ? { type: "tool_result", content, is_error: true, tool_use_id: toolUseId }
      : { tool_use_id: toolUseId, type: "tool_result", content, is_error: false };
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      promptId: this.promptId,
      type: "user",
      message: { role: "user", content: [block] },
      uuid: uuid(),
      timestamp: nowIso(),
      toolUseResult,
      sourceToolAssistantUUID: sourceUuid,
      ...this.common(),
    };
    this.tip = line.uuid;
    this.messageCount++;
    return line;
  }

  systemLine(subtype: string, fields: Record<string, unknown>) {
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      type: "system",
      subtype,
      ...fields,
      timestamp: nowIso(),
      uuid: uuid(),
      ...this.common(),
    };
    this.tip = line.uuid;
    return line;
  }

  // Restores the tip and display history of an existing transcript (for --resume).
  loadExisting() {
    const text = Deno.readTextFileSync(this.transcriptPath);
    const lines: Record<string, unknown>[] = [];
    for (const l of text.split("\n")) {
      if (!l.trim()) continue;
      try {
        lines.push(JSON.parse(l));
      } catch { /* torn line */ }
    }
    const parents = new Set(lines.map((l) => l.parentUuid).filter((p) => typeof p === "string"));
    let best: Record<string, unknown> | null = null;
    for (const l of lines) {
      if (typeof l.uuid !== "string" || parents.has(l.uuid)) continue;
      if (!best || String(l.timestamp ?? "") >= String(best.timestamp ?? "")) best = l;
    }
    this.tip = best ? (best.uuid as string) : null;
    this.messageCount = lines.filter((l) => typeof l.uuid === "string").length;
    this.fileStarted = true;
    this.firstTurn = false;
    for (const l of lines) {
      const m = l.message as { content?: unknown } | undefined;
      if (l.type === "user" && typeof m?.content === "string" && !m.content.startsWith("<")) {
        this.entries.push({ lines: promptLines(m.content) });
      } else if (l.type === "assistant" && Array.isArray(m?.content)) {
        for (const b of m.content as { type?: string; text?: string }[]) {
          if (b.type === "text" && b.text) this.entries.push({ lines: bullet(b.text) });
        }
      }
      if (typeof l.promptId === "string") this.promptId = l.promptId;
    }
  }
}
