/**
 * The test side of the mock model: what a harness sends and how it reads the answer, so the mock
 * model's tests (tests/mock_model*_test.ts) speak each dialect the way its harness does.
 * Anthropic Messages (Claude Code) is the carrier for the dialect-neutral core tests.
 *
 * @module
 */

import { assert, assertEquals } from "./assert.ts";
import { MockModel, type Rule } from "../../kit/mock_model.ts";

/** Runs `fn` against a fresh mock model and closes it afterwards. */
export async function withMock(
  opts: Parameters<typeof MockModel.start>[0],
  fn: (mock: MockModel) => Promise<void>,
): Promise<void> {
  const mock = await MockModel.start(opts);
  try {
    await fn(mock);
  } finally {
    await mock.close();
  }
}

/** One server-sent event with its JSON data. */
export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Parses a whole SSE body into events, checking each `data.type` echoes the event name. */
export function parseSse(text: string): SseEvent[] {
  return text.split("\n\n").filter((chunk) => chunk.trim() !== "").map((chunk) => {
    let event = "";
    let data = "";
    for (const line of chunk.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    const parsed = JSON.parse(data) as Record<string, unknown>;
    assertEquals(parsed.type, event, "SSE data.type");
    return { event, data: parsed };
  });
}

/** Rebuilds the content blocks and stop reason from an SSE stream, as a client would. */

export function assemble(events: SseEvent[]): { blocks: Record<string, unknown>[]; stop: unknown } {
  const blocks: Record<string, unknown>[] = [];
  let stop: unknown = null;
  for (const { event, data } of events) {
    if (event === "content_block_start") {
      blocks[data.index as number] = { ...(data.content_block as Record<string, unknown>) };
    } else if (event === "content_block_delta") {
      const b = blocks[data.index as number]!;
      const d = data.delta as Record<string, string>;
      if (d.type === "text_delta") b.text = (b.text as string) + d.text;
      else if (d.type === "thinking_delta") b.thinking = (b.thinking as string) + d.thinking;
      else if (d.type === "signature_delta") b.signature = d.signature;
      else if (d.type === "input_json_delta") {
        b.partial = ((b.partial as string | undefined) ?? "") + d.partial_json;
      }
    } else if (event === "content_block_stop") {
      const b = blocks[data.index as number]!;
      if (b.type === "tool_use") {
        b.input = JSON.parse(b.partial as string);
        delete b.partial;
      }
    } else if (event === "message_delta") {
      stop = (data.delta as Record<string, unknown>).stop_reason;
    }
  }
  return { blocks, stop };
}

/** One Messages API conversation entry. */
export type Msg = { role: string; content: unknown };

/** A Claude-Code-like request body. */
export function body(
  messages: Msg[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    model: "claude-test",
    max_tokens: 1000,
    stream: true,
    tools: [{ name: "Bash", input_schema: { type: "object" } }],
    messages,
    ...extra,
  };
}

/** POSTs a Messages request the way Claude Code does (path, headers). */
export async function post(mock: MockModel, b: Record<string, unknown>): Promise<Response> {
  return await fetch(`${mock.url}/v1/messages?beta=true`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "sk-mock-000000000000000000000000",
      "anthropic-version": "2023-06-01",
    },
    body: JSON.stringify(b),
  });
}

/** Posts a streamed Messages request and rebuilds the answer from its SSE events. */
export async function turn(mock: MockModel, messages: Msg[]) {
  const res = await post(mock, body(messages));
  assertEquals(res.status, 200, "status");
  assert(res.headers.get("content-type")?.startsWith("text/event-stream"), "SSE content type");
  const events = parseSse(await res.text());
  return { events, ...assemble(events) };
}

/** A user message with one text block. */
export const user = (text: string): Msg => ({ role: "user", content: [{ type: "text", text }] });

/**
 * One Claude-Code-shaped script (a `Bash` tool call with text, then the final text) that every
 * dialect must map to its own harness's shell tool.
 */
export const MAKE_FILE_RULE: Rule = {
  match: "make file",
  replies: [
    { kind: "tool", name: "Bash", input: { command: "touch x", description: "d" }, text: "On it." },
    { kind: "text", text: "done" },
  ],
};
