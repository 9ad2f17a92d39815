/**
 * Shared pieces of the remote-target suites: a running container of the test image on a real
 * daemon, and the check that a call failed with a CsdError (the one-line error path).
 */

import { Dockerd } from "./dockerd.ts";
import { testImage } from "./docker_image.ts";
import { CsdError } from "../lib/cli/errors.ts";

/** A daemon with a long-running container of the test image on the host network. */
export interface ContainerWorld {
  daemon: Dockerd;
  image: string;
  container: string;
}

/** Runs `fn` with a fresh container; removes it and stops the daemon afterwards. */
export async function withTestContainer(
  fn: (world: ContainerWorld) => Promise<void>,
): Promise<void> {
  const daemon = await Dockerd.start();
  let container = "";
  try {
    const image = await testImage(daemon);
    container = await daemon.startContainer(image);
    await fn({ daemon, image, container });
  } finally {
    if (container) await daemon.docker(["rm", "-f", container]).catch(() => {});
    await daemon.dispose();
  }
}

/** Awaits `promise`, which must reject with a CsdError; returns that error. */
export async function expectCsdError(promise: Promise<unknown>): Promise<CsdError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof CsdError)) throw new Error(`expected a CsdError, got ${error}`);
    return error;
  }
  throw new Error("expected a CsdError, the call succeeded");
}

/**
 * Gives a target user's home what a real login would: Claude's config for the mock model
 * (in ~/.claude/settings.json `env`, so nothing comes from the controller), onboarding done,
 * the project trusted, csd's consent, and `project/` to work in. Returns the project path.
 */
export async function prepareClaudeHome(
  home: string,
  mockUrl: string,
  mockKey: string,
): Promise<string> {
  const project = `${home}/project`;
  await Deno.mkdir(`${home}/.claude`, { recursive: true });
  await Deno.mkdir(project, { recursive: true });
  await Deno.writeTextFile(
    `${home}/.claude/settings.json`,
    JSON.stringify({
      env: {
        ANTHROPIC_BASE_URL: mockUrl,
        ANTHROPIC_API_KEY: mockKey,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
        DISABLE_AUTOUPDATER: "1",
        CSD_LAUNCH_TIMEOUT: "60",
      },
    }),
  );
  await Deno.writeTextFile(
    `${home}/.claude.json`,
    JSON.stringify({
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: [mockKey.slice(-20)], rejected: [] },
      projects: { [project]: { hasTrustDialogAccepted: true } },
    }),
  );
  await Deno.writeTextFile(`${home}/.claude/.claude-session-driver-consent`, "yes\n");
  return project;
}
