// The command line the fake accepts (the subset of claude's that csd uses). Part of the fake
// claude: see ../fake_claude.ts.

export interface Args {
  sessionId: string | null;
  resume: string | null;
  settings: string | null;
  skipPermissions: boolean;
  version: boolean;
  print: string | null;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = {
    sessionId: null,
    resume: null,
    settings: null,
    skipPermissions: false,
    version: false,
    print: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : null;
    const value = () => inline ?? argv[++i] ?? null;
    if (name === "--session-id") a.sessionId = value();
    else if (name === "--resume" || name === "-r") a.resume = value();
    else if (name === "--settings") a.settings = value();
    else if (name === "--dangerously-skip-permissions") a.skipPermissions = true;
    else if (name === "--version" || name === "-v") a.version = true;
    else if (name === "--print" || name === "-p") a.print = value();
  }
  return a;
}
