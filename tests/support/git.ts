/** git in test repositories, with a fixed identity and no user or system config. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.invalid",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.invalid",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};

/** Runs git in `dir`; throws with its stderr on failure. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-C", dir, ...args],
    env: GIT_ENV,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Makes `dir` a repository with one commit of `shared.txt`. */
export async function initRepo(dir: string): Promise<void> {
  await git(dir, "init", "-q", "-b", "main");
  Deno.writeTextFileSync(`${dir}/shared.txt`, "base\n");
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "base");
}
