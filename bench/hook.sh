#!/usr/bin/env bash
# The work of csd-hook (hooks/event_hook.ts + hooks/to_event.ts) in bash + jq, for bench/startup.ts
# to compare against: act only for a csd worker's events file and its own session, map the hook
# payload to one event line, append it with one write, print nothing, always exit 0. Not used by
# csd itself. Usage: hook.sh <claude|codex>, the hook payload on stdin.
f=${CSD_EVENTS_FILE-}
[[ $f == *.events.jsonl ]] || exit 0
line=$(timeout 2 head -c 8388608 | jq -c --arg harness "${1:-claude}" \
  --arg ts "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" --arg sid "${CSD_SESSION_ID-}" '
  def s(k): if (.[k] | type) == "string" then {(k): .[k]} else {} end;
  def cut: if type == "string" and length > 65536 then .[0:65536] else . end;
  def t(k): if (.[k] | type) == "string" then {(k): (.[k] | cut)} else {} end;
  def tool(input): {} + (if (.tool_name | type) == "string" then {tool: .tool_name} else {} end)
    + s("tool_use_id")
    + (if input and has("tool_input") then
         (.tool_input | tojson) as $j
         | {tool_input: (if ($j | length) <= 65536 then .tool_input
                         else {truncated: true, preview: $j[0:65536]} end)}
       else {} end);
  select(type == "object")
  | select($sid == "" or (.session_id | type) != "string" or .session_id == $sid)
  | ({ts: $ts, event: "", harness: $harness} + s("session_id")
     + (if (.turn_id | type) == "string" then {turn_id: .turn_id}
        elif (.prompt_id | type) == "string" then {turn_id: .prompt_id} else {} end)) as $base
  | s("transcript_path") as $tp
  | .hook_event_name as $name
  | if $name == "SessionStart" then $base + {event: "session_start"} + $tp + s("cwd") + s("source")
    elif $name == "UserPromptSubmit" then $base + {event: "user_prompt_submit"} + $tp + t("prompt")
    elif $name == "PreToolUse" then $base + {event: "pre_tool_use"} + tool(true)
    elif $name == "PostToolUse" then $base + {event: "post_tool_use"} + tool(false) + {success: true}
    elif $name == "PostToolUseFailure" then
      $base + {event: "post_tool_use"} + tool(false) + {success: false} + t("error")
    elif $name == "Stop" then $base + {event: "stop"} + $tp + t("last_assistant_message")
    elif $name == "StopFailure" then
      $base + {event: "stop_failure"} + $tp + t("error") + t("last_assistant_message")
    elif $name == "SessionEnd" then $base + {event: "session_end"} + s("reason")
    elif $name == "Notification" then
      $base + {event: "notification"} + s("notification_type") + t("message")
    elif $name == "SubagentStart" or $name == "SubagentStop" then
      $base + {event: (if $name == "SubagentStart" then "subagent_start" else "subagent_stop" end)}
      + s("agent_id") + s("agent_type")
    elif $name == "PreCompact" then $base + {event: "pre_compact"}
    else empty end' 2>/dev/null) || exit 0
[ -n "$line" ] && printf '%s\n' "$line" >>"$f"
exit 0
