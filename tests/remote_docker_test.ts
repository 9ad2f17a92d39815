/**
 * Remote workers in Docker on a real daemon (tests/support/dockerd.ts) and the locally built
 * test image: `docker://` (a running container) and `docker-run://` (a container csd creates
 * at launch and removes at stop) run a real claude worker that converses with the mock model
 * and runs a tool inside the container. The image's user holds Claude's login (committed into
 * a derived image, as a team would bake it); nothing comes from the controller.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { Dockerd } from "../kit/dockerd.ts";
import { IMAGE_USER, testImage } from "../kit/docker_image.ts";
import { MockModel } from "../kit/mock_model.ts";
import { TestEnv } from "../kit/env.ts";
import { MOCK_KEY } from "../kit/real_claude.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PROJECT = `${IMAGE_USER.home}/project`;

const bash = (command: string) => ({
  kind: "tool" as const,
  name: "Bash",
  input: { command, description: "Run a command" },
});

/** Writes `text` to `path` inside the container as the image's user. */
async function put(daemon: Dockerd, container: string, path: string, text: string) {
  const child = new Deno.Command("docker", {
    args: [
      "exec",
      "-i",
      "-u",
      String(IMAGE_USER.uid),
      container,
      "sh",
      "-c",
      'cat > "$1"',
      "sh",
      path,
    ],
    env: daemon.env(),
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const output = await child.output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
}

/** An image whose user `csd` is logged in to the mock model, as a prepared dev image would be. */
async function loggedInImage(daemon: Dockerd, mock: MockModel): Promise<string> {
  const base = await testImage(daemon);
  const prep = await daemon.startContainer(base);
  try {
    await daemon.docker([
      "exec",
      "-u",
      String(IMAGE_USER.uid),
      prep,
      "mkdir",
      "-p",
      `${IMAGE_USER.home}/.claude`,
      PROJECT,
    ]);
    await put(
      daemon,
      prep,
      `${IMAGE_USER.home}/.claude/settings.json`,
      JSON.stringify({
        env: {
          ANTHROPIC_BASE_URL: mock.url,
          ANTHROPIC_API_KEY: MOCK_KEY,
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
          DISABLE_AUTOUPDATER: "1",
        },
      }),
    );
    await put(
      daemon,
      prep,
      `${IMAGE_USER.home}/.claude.json`,
      JSON.stringify({
        hasCompletedOnboarding: true,
        customApiKeyResponses: { approved: [MOCK_KEY.slice(-20)], rejected: [] },
        projects: { [PROJECT]: { hasTrustDialogAccepted: true } },
      }),
    );
    await put(daemon, prep, `${IMAGE_USER.home}/.claude/.claude-session-driver-consent`, "yes\n");
    const tag = `csd-test-login:${crypto.randomUUID().slice(0, 8)}`;
    await daemon.docker(["commit", "--change", `USER ${IMAGE_USER.name}`, prep, tag]);
    return tag;
  } finally {
    await daemon.docker(["rm", "-f", prep]).catch(() => {});
  }
}

/** Launches, converses, runs a tool inside the container, stops; returns the container. */
async function drive(env: TestEnv, daemon: Dockerd, mock: MockModel, uri: string, name: string) {
  const made = `${PROJECT}/made-${name}.txt`;
  mock.addRule({
    match: `make ${name}`,
    replies: [bash(`id -un > ${made}`), { kind: "text", text: `Made ${name}.` }],
  });
  const launch = await env.csd(["launch", "--target", uri, name, PROJECT]);
  assertEquals(launch.code, 0, launch.stderr);
  assertEquals(launch.stdout, `${env.workerDir}/bin/${name}\n`);
  const record = JSON.parse(await Deno.readTextFile(`${env.workerDir}/${name}.remote.json`));
  const container: string = record.container ?? uri.replace(/^docker:\/\//, "");
  const talk = await env.shim(name, ["converse", `please make ${name}`, "90"]);
  assertEquals(talk.code, 0, talk.stderr);
  assertEquals(talk.stdout, `Made ${name}.\n`);
  // The tool ran inside the container, as its user.
  assertEquals((await daemon.docker(["exec", container, "cat", made])).trim(), IMAGE_USER.name);
  const eventsFile = await env.shim(name, ["events-file"]);
  assertStringIncludes(eventsFile.stdout, `docker://${container}:${IMAGE_USER.home}/.csd/`);
  const handoff = await env.shim(name, ["handoff"]);
  assertStringIncludes(handoff.stdout, `docker exec -it -- ${container} sh -c`);
  const list = await env.csd(["list"]);
  assert(
    list.stdout.split("\n").some((l) => l.startsWith(`idle\t${name}\t`) && l.endsWith(uri)),
    list.stdout,
  );
  const stop = await env.shim(name, ["stop"]);
  assertEquals(stop.code, 0, stop.stderr);
  return container;
}

Deno.test(
  "remote docker: docker:// and docker-run:// workers converse, run a tool, stop",
  opts,
  async () => {
    const daemon = await Dockerd.start();
    const mock = await MockModel.start();
    const env = await TestEnv.create({ consent: false });
    let running = "";
    try {
      const image = await loggedInImage(daemon, mock);
      Object.assign(env.vars, daemon.env());
      running = await daemon.startContainer(image);
      await drive(env, daemon, mock, `docker://${running}`, "d1");

      const created = await drive(env, daemon, mock, `docker-run://${image}`, "d2");
      assert(created.startsWith("csd-d2-"), created);
      const left = await daemon.docker([
        "ps",
        "-a",
        "--filter",
        `name=${created}`,
        "--format",
        "{{.Names}}",
      ]);
      assertEquals(left.trim(), "", "the docker-run container is gone after stop");

      // A container that does not exist is one line naming the target.
      const missing = await env.csd([
        "launch",
        "--target",
        "docker://csd-no-such-container",
        "d4",
        "/",
      ]);
      assertEquals(missing.code, 1, missing.stderr);
      assertEquals(missing.stderr.trim().split("\n").length, 1, missing.stderr);
      assertStringIncludes(
        missing.stderr,
        'error: Cannot reach "docker://csd-no-such-container": ',
      );

      // A launch that fails removes the container it created.
      const bad = await env.csd([
        "launch",
        "--target",
        `docker-run://${image}`,
        "d3",
        "/no/such/dir",
      ]);
      assertEquals(bad.code, 1, bad.stderr);
      const leftover = await daemon.docker([
        "ps",
        "-a",
        "--filter",
        "name=csd-d3-",
        "--format",
        "{{.Names}}",
      ]);
      assertEquals(leftover.trim(), "", "a failed docker-run launch leaves no container");
    } finally {
      if (running) await daemon.docker(["rm", "-f", running]).catch(() => {});
      await env.dispose();
      await daemon.dispose();
      await mock.close();
    }
  },
);
