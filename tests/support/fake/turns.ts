// Running turns: rules, tools, subagents, failures. Part of the fake claude: see ../fake_claude.ts.
import { FakeInput } from "./input.ts";
import { MODEL_API, type Rule, type ToolSpec } from "./script.ts";
import type { HookResult } from "./settings.ts";
import type { Entry, QueueItem } from "./state.ts";
import { denial, runShell } from "./system.ts";
import { bullet, firstLines, promptLines } from "./terminal.ts";
import { abortableSleep, base62, dirname, hex, nowIso, sleep, uuid } from "./util.ts";

export abstract class FakeTurns extends FakeInput {
  override async drain() {
    if (this.workerRunning || !this.sessionStarted) return;
    this.workerRunning = true;
    try {
      while (this.queue.length > 0 && this.mode === "main") {
        const item = this.queue[0]!;
        if (item.queued && !item.text.startsWith("!")) {
          this.writeLine({
            type: "queue-operation",
            operation: "dequeue",
            timestamp: nowIso(),
            sessionId: this.sessionId,
          });
        }
        await this.runTurn(item);
        this.queue.shift();
      }
    } finally {
      this.workerRunning = false;
      this.busy = false;
      this.render();
    }
  }

  findRule(prompt: string): Rule {
    for (const r of this.script.rules) {
      if (r.match != null && !prompt.includes(r.match)) continue;
      if (r.regex != null && !new RegExp(r.regex).test(prompt)) continue;
      return r;
    }
    return {};
  }

  async runTurn(item: QueueItem) {
    const started = Date.now();
    const turnIndex = this.turnCount++;
    this.busy = true;
    this.spinner = "Pondering";
    const ac = new AbortController();
    this.turnAbort = ac;
    const tipBefore = this.tip;
    const entriesBefore = this.entries.length;
    let prompt = item.text;
    let emitted = false;

    if (item.text.startsWith("!")) {
      // Bash mode: no UserPromptSubmit. The command's output goes to the model, which answers.
      const cmd = item.text.slice(1).trim();
      this.addEntry([`! ${cmd}`]);
      this.plainUserLine(`<bash-input>${cmd}</bash-input>`);
      const r = await runShell(cmd, this.cwd, ac.signal);
      const out = r.stdout.replace(/\n$/, "");
      const err = r.stderr.replace(/\n$/, "");
      this.entries[this.entries.length - 1]!.lines.push(
        ...firstLines(out || err || "(No output)", "  ⎿  "),
      );
      prompt = `<bash-stdout>${out}</bash-stdout><bash-stderr>${err}</bash-stderr>`;
      this.plainUserLine(prompt);
      emitted = true;
    } else {
      this.promptId = uuid();
      if (!item.announced) {
        await this.fireHook("UserPromptSubmit", {
          ...this.withPrompt(),
          permission_mode: "bypassPermissions",
          hook_event_name: "UserPromptSubmit",
          prompt,
        });
      }
      this.userPromptLine(prompt, item.queued ? "queued" : "typed");
      if (this.firstTurn) {
        this.firstTurn = false;
        this.attachmentLine();
      }
      this.addEntry(promptLines(prompt));
    }

    const rule = this.findRule(prompt);
    const reorder = rule.reorder ??
      (this.script.reorder === "always" ||
        (this.script.reorder === "sometimes" && turnIndex % 3 === 1));

    const interrupted = (): void => {
      this.busy = false;
      this.turnAbort = null;
      if (!emitted) {
        // Nothing came back yet: the real one rewinds (the prompt's line stays in the file as a
        // dead branch) and puts the text back into the box.
        this.tip = tipBefore;
        this.entries.length = entriesBefore;
      } else {
        this.plainUserLine([{ type: "text", text: "[Request interrupted by user]" }]);
        this.entries.push({ lines: ["  ⎿  Interrupted · What should Claude do instead?"] });
      }
      const back = [item.text, ...this.queue.slice(1).map((q) => q.text)];
      this.queue.splice(1);
      if (this.box === "") this.box = back.join("\n");
      this.render();
    };

    if (rule.delayMs && !(await abortableSleep(rule.delayMs, ac.signal))) return interrupted();
    if (ac.signal.aborted) return interrupted();
    if (rule.crash != null) Deno.exit(rule.crash);

    if (rule.fail) {
      const status = Number(rule.fail.match(/API Error: (\d+)/)?.[1] ?? 400);
      const line = {
        parentUuid: this.tip,
        isSidechain: false,
        type: "assistant",
        uuid: uuid(),
        timestamp: nowIso(),
        message: {
          id: uuid(),
          container: null,
          model: "<synthetic>",
          role: "assistant",
          stop_details: null,
          stop_reason: "stop_sequence",
          stop_sequence: "",
          type: "message",
          usage: {
            input_tokens: 0,
            output_tokens: 0,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
            service_tier: null,
            cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
            inference_geo: null,
            iterations: null,
            speed: null,
          },
          content: [{ type: "text", text: rule.fail }],
          context_management: null,
        },
        error: "unknown",
        isApiErrorMessage: true,
        apiErrorStatus: status,
        ...this.common(),
      };
      this.tip = line.uuid;
      this.messageCount++;
      this.writeLine(line);
      this.writeLine(this.systemLine("turn_duration", {
        durationMs: Date.now() - started,
        messageCount: this.messageCount,
        isMeta: false,
      }));
      this.entries.push({ lines: bullet(rule.fail) });
      this.finishDisplay(started);
      await this.fireHook("StopFailure", {
        ...this.withPrompt(),
        effort: { level: "high" },
        hook_event_name: "StopFailure",
        error: "unknown",
        last_assistant_message: rule.fail,
      });
      return;
    }

    let msgId = `msg_${base62(24)}`;
    const pendingFinal: Record<string, unknown>[] = [];
    const hasTool = !!rule.tool || !!rule.subagent;
    if (rule.thinking) {
      const l = this.assistantLine(
        msgId,
        { type: "thinking", thinking: rule.thinking, signature: base62(40) },
        hasTool ? "tool_use" : "end_turn",
      );
      if (!hasTool && reorder) pendingFinal.push(l); // written after the text block
      else this.writeLine(l);
      this.entries.push({ lines: ["  \x1b[2mThought for 1s (ctrl+o to expand)\x1b[22m"] });
      emitted = true;
    }

    if (rule.subagent) {
      emitted = true;
      if (!(await this.subagent(msgId, ac.signal))) return interrupted();
      emitted = true;
      msgId = `msg_${base62(24)}`;
    }

    if (rule.tool) {
      emitted = true;
      if (!(await this.bashTool(msgId, rule.tool, ac.signal))) return interrupted();
      emitted = true;
      msgId = `msg_${base62(24)}`;
    }
    if (ac.signal.aborted) return interrupted();

    const text = (rule.text ?? this.script.defaultReply).split("{prompt}").join(prompt);
    const final = this.assistantLine(msgId, { type: "text", text }, "end_turn");
    const stopHooks = this.hookCommands("Stop");
    const stopHook = () =>
      this.fireHook("Stop", {
        ...this.withPrompt(),
        permission_mode: "bypassPermissions",
        effort: { level: "high" },
        hook_event_name: "Stop",
        stop_hook_active: false,
        last_assistant_message: text,
        background_tasks: [],
        session_crons: [],
      });
    const tail = (results: HookResult[]) => {
      const out: Record<string, unknown>[] = [];
      if (stopHooks.length > 0) {
        out.push(this.systemLine("stop_hook_summary", {
          hookCount: results.length,
          hookInfos: results.map((r) => ({ command: r.command, durationMs: r.durationMs })),
          hookErrors: [],
          hookAdditionalContext: [],
          preventedContinuation: false,
          stopReason: "",
          hasOutput: false,
          level: "suggestion",
        }));
        // systemLine puts uuid last; the real line has toolUseID after uuid.
        out[out.length - 1]!.toolUseID = uuid();
      }
      out.push(this.systemLine("turn_duration", {
        durationMs: Date.now() - started,
        messageCount: this.messageCount,
        isMeta: false,
      }));
      return out;
    };
    const writeFinal = () => {
      if (reorder) {
        // One assistant block goes to the file after its child, as the real one sometimes does.
        const held = pendingFinal.pop();
        this.writeLine(final);
        if (held) this.writeLine(held);
      } else {
        for (const l of pendingFinal) this.writeLine(l);
        this.writeLine(final);
      }
    };
    const writeTail = (lines: Record<string, unknown>[]) => {
      // turn_duration before its parent when reordering.
      const order = reorder && lines.length > 1 ? [...lines].reverse() : lines;
      for (const l of order) this.writeLine(l);
      this.writeLine({
        type: "last-prompt",
        lastPrompt: prompt,
        leafUuid: this.tip,
        sessionId: this.sessionId,
      });
    };

    this.entries.push({ lines: bullet(text) });
    this.finishDisplay(started);
    if (rule.stopBeforeTranscript) {
      const late = sleep(300).then(() => writeFinal());
      const results = await stopHook();
      await late;
      writeTail(tail(results));
    } else {
      writeFinal();
      const results = await stopHook();
      writeTail(tail(results));
    }
    if (rule.notification) {
      await this.fireHook("Notification", {
        hook_event_name: "Notification",
        message: "Claude is waiting for your input",
        notification_type: rule.notification,
      }, rule.notification);
    }
  }

  finishDisplay(started: number) {
    this.busy = false;
    this.turnAbort = null;
    const secs = Math.round((Date.now() - started) / 1000);
    this.entries.push({ lines: [`\x1b[38;5;246m✻ Baked for ${secs}s\x1b[39m`] });
    this.render();
  }

  /**
   * Fires PreToolUse for a tool call; a denial becomes the call's error result in the transcript
   * and on screen. Returns the payload fields later hooks of the call share.
   */
  async preToolUse(
    tool: string,
    input: Record<string, unknown>,
    toolUseId: string,
    useLine: { uuid: string },
    entry: Entry,
  ): Promise<{ base: Record<string, unknown>; denied: boolean }> {
    const base = {
      ...this.withPrompt(),
      permission_mode: "bypassPermissions",
      effort: { level: "high" },
    };
    const pre = await this.fireHook("PreToolUse", {
      ...base,
      hook_event_name: "PreToolUse",
      tool_name: tool,
      tool_input: input,
      tool_use_id: toolUseId,
    }, tool);
    const denied = denial(pre);
    if (denied !== null) {
      this.writeLine(
        this.toolResultLine(toolUseId, denied, true, `Error: ${denied}`, useLine.uuid),
      );
      entry.lines.push(`  ⎿  Error: ${denied}`);
    }
    return { base, denied: denied !== null };
  }

  async bashTool(msgId: string, tool: ToolSpec, signal: AbortSignal): Promise<boolean> {
    const toolUseId = `toolu_${base62(24)}`;
    const input = { command: tool.command, description: tool.description ?? "Run command" };
    const useLine = this.assistantLine(
      msgId,
      { type: "tool_use", id: toolUseId, name: "Bash", input },
      "tool_use",
    );
    this.writeLine(useLine);
    const entry = this.addEntry([`● Bash(${tool.command.split("\n")[0]})`]);
    const { base, denied } = await this.preToolUse("Bash", input, toolUseId, useLine, entry);
    if (denied) {
      this.render();
      return !signal.aborted;
    }
    const started = Date.now();
    const r = await runShell(tool.command, this.cwd, signal);
    if (signal.aborted) return false;
    const duration = Date.now() - started;
    const stdout = r.stdout.replace(/\n+$/, "");
    const stderr = r.stderr.replace(/\n+$/, "");
    if (r.code === 0) {
      const toolResponse = {
        stdout,
        stderr,
        interrupted: false,
        isImage: false,
        noOutputExpected: false,
      };
      const content = [stdout, stderr].filter((s) => s).join("\n") ||
        "(Bash completed with no output)";
      this.writeLine(this.toolResultLine(toolUseId, content, false, toolResponse, useLine.uuid));
      entry.lines.push(...firstLines(stdout || "(No output)", "  ⎿  "));
      this.render();
      await this.fireHook("PostToolUse", {
        ...base,
        hook_event_name: "PostToolUse",
        tool_name: "Bash",
        tool_input: input,
        tool_response: toolResponse,
        tool_use_id: toolUseId,
        duration_ms: duration,
      }, "Bash");
    } else {
      const error = [`Exit code ${r.code}`, stderr, stdout].filter((s) => s).join("\n");
      this.writeLine(this.toolResultLine(toolUseId, error, true, `Error: ${error}`, useLine.uuid));
      entry.lines.push(...firstLines(`Error: ${error}`, "  ⎿  "));
      this.render();
      await this.fireHook("PostToolUseFailure", {
        ...base,
        hook_event_name: "PostToolUseFailure",
        tool_name: "Bash",
        tool_input: input,
        tool_use_id: toolUseId,
        error,
        is_interrupt: false,
        duration_ms: duration,
      }, "Bash");
    }
    return !signal.aborted;
  }

  async subagent(msgId: string, signal: AbortSignal): Promise<boolean> {
    const toolUseId = `toolu_${base62(24)}`;
    const agentId = "a" + hex(16);
    const agentType = "general-purpose";
    const input = { description: "sub", prompt: "fake subagent task", subagent_type: agentType };
    const useLine = this.assistantLine(
      msgId,
      { type: "tool_use", id: toolUseId, name: "Agent", input },
      "tool_use",
    );
    this.writeLine(useLine);
    const entry = this.addEntry(["● Agent(sub)"]);
    const { base, denied } = await this.preToolUse("Agent", input, toolUseId, useLine, entry);
    if (denied) return !signal.aborted;
    const started = Date.now();
    await this.fireHook("SubagentStart", {
      ...this.withPrompt(),
      agent_id: agentId,
      agent_type: agentType,
      hook_event_name: "SubagentStart",
    }, agentType);
    const reply = "fake subagent reply";
    const agentPath = `${
      this.transcriptPath.replace(/\.jsonl$/, "")
    }/subagents/agent-${agentId}.jsonl`;
    Deno.mkdirSync(dirname(agentPath), { recursive: true });
    const side = { isSidechain: true, agentId, ...this.common() };
    const u1 = uuid();
    Deno.writeTextFileSync(
      agentPath,
      JSON.stringify({
        parentUuid: null,
        ...side,
        type: "user",
        message: { role: "user", content: input.prompt },
        uuid: u1,
        timestamp: nowIso(),
      }) + "\n" + JSON.stringify({
        parentUuid: u1,
        ...side,
        message: {
          id: `msg_${base62(24)}`,
          type: "message",
          role: "assistant",
          model: MODEL_API,
          content: [{ type: "text", text: reply }],
          stop_reason: "end_turn",
          stop_sequence: null,
        },
        type: "assistant",
        uuid: uuid(),
        timestamp: nowIso(),
      }) + "\n",
    );
    if (!(await abortableSleep(20, signal))) return false;
    await this.fireHook("SubagentStop", {
      ...this.withPrompt(),
      permission_mode: "bypassPermissions",
      agent_id: agentId,
      agent_type: agentType,
      effort: { level: "high" },
      hook_event_name: "SubagentStop",
      stop_hook_active: false,
      agent_transcript_path: agentPath,
      last_assistant_message: reply,
      background_tasks: [],
      session_crons: [],
    }, agentType);
    const toolResponse = {
      status: "completed",
      prompt: input.prompt,
      agentId,
      agentType,
      content: [{ type: "text", text: reply }],
      resolvedModel: this.script.model,
      totalDurationMs: Date.now() - started,
      totalTokens: 15,
      totalToolUseCount: 0,
    };
    this.writeLine(this.toolResultLine(
      toolUseId,
      [
        { type: "text", text: reply },
        { type: "text", text: `agentId: ${agentId}\n<usage>subagent_tokens: 15</usage>` },
      ],
      false,
      toolResponse,
      useLine.uuid,
    ));
    entry.lines.push("  ⎿  Done (0 tool uses · 15 tokens · 0s)");
    this.render();
    await this.fireHook("PostToolUse", {
      ...base,
      hook_event_name: "PostToolUse",
      tool_name: "Agent",
      tool_input: input,
      tool_response: toolResponse,
      tool_use_id: toolUseId,
      duration_ms: Date.now() - started,
    }, "Agent");
    return !signal.aborted;
  }
}
