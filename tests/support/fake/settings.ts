// The hook configuration read from --settings. Part of the fake claude: see ../fake_claude.ts.

export interface HookCommand {
  type?: string;
  command?: string;
  timeout?: number;
}
export interface HookMatcher {
  matcher?: string;
  hooks?: HookCommand[];
}
export type HookConfig = Record<string, HookMatcher[]>;

export interface HookResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface Settings {
  hooks?: HookConfig;
  skipDangerousModePermissionPrompt?: boolean;
}

export function loadSettings(arg: string | null): Settings {
  if (!arg) return {};
  const text = arg.trim().startsWith("{") ? arg : Deno.readTextFileSync(arg);
  return JSON.parse(text) as Settings;
}

export function matcherMatches(matcher: string | undefined, target: string | undefined): boolean {
  if (matcher === undefined || matcher === "" || matcher === "*") return true;
  if (target === undefined) return true;
  try {
    return new RegExp(`^(?:${matcher})$`).test(target);
  } catch {
    return matcher.split("|").includes(target);
  }
}
