/**
 * Shared pieces of the remote-target suites: a running container of the test image on a real
 * daemon, and the check that a call failed with a CsdError (the one-line error path).
 */
import { assert } from "./assert.ts";
import { Dockerd } from "../../kit/dockerd.ts";
import { testImage } from "../../kit/docker_image.ts";
import { CsdError } from "../../lib/errors.ts";

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
    assert(error instanceof CsdError, `expected a CsdError, got ${error}`);
    return error;
  }
  throw new Error("expected a CsdError, the call succeeded");
}
