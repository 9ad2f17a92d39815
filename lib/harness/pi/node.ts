/**
 * The Node.js a Pi worker runs on. Pi's bin is `#!/usr/bin/env node`, so pi runs on whichever
 * node comes first on the worker's PATH; Pi >= 1 needs Node >= 22 and on Node 20 it dies at
 * start (`enableCompileCache`), after the pane has closed the error away. csd checks pi's
 * `engines.node` against that node before launching, and CSD_PI_NODE names another one, which
 * then goes first on the worker's PATH.
 */
import { CsdError } from "../../cli/errors.ts";
import { packageOf, probeVersion, resolveExecutable } from "../binary.ts";
import { compareVersions, TESTED } from "../tested.ts";

/** The node a pi binary would run on, and whether it is new enough. */
export interface PiNode {
  /** The node binary, or null when none is found. */
  path: string | null;
  version: string | null;
  /** Where it came from. */
  source: "CSD_PI_NODE" | "PATH";
  /** The oldest Node the installed pi accepts (its engines.node), or null when unknown. */
  needs: string | null;
  /** Why this node cannot run pi, or null when it can. */
  problem: string | null;
}

/** Resolves and checks the node for `piBinary` under the controller's environment. */
export async function piNode(env: Record<string, string>, piBinary: string): Promise<PiNode> {
  const info = packageOf(piBinary, TESTED.pi.packages);
  const needs = info?.node ? minimumVersion(info.node) : null;
  const override = env.CSD_PI_NODE;
  const source = override ? "CSD_PI_NODE" : "PATH";
  let path: string | null;
  try {
    path = resolveExecutable(override || "node", env.PATH, "CSD_PI_NODE");
  } catch (error) {
    if (override || info) {
      const detail = error instanceof Error ? error.message : String(error);
      return { path: null, version: null, source, needs, problem: detail };
    }
    // Not a node package (a compiled pi): it needs no node.
    return { path: null, version: null, source, needs, problem: null };
  }
  const version = await probeVersion(path, env);
  let problem: string | null = null;
  if (needs && (!version || compareVersions(version, needs) < 0)) {
    const which = override ? `CSD_PI_NODE=${override}` : `the node on PATH (${path})`;
    problem = `Pi${info ? ` ${info.version}` : ""} needs Node ${needs} or newer, but ${which} is ` +
      `${
        version ? `Node ${version}` : "not a working node"
      }; set CSD_PI_NODE to a newer node binary`;
  }
  return { path, version, source, needs, problem };
}

/**
 * The node pi should run on for a launch: the PATH directory to put first (when CSD_PI_NODE
 * chose it), or null to leave PATH alone.
 * @throws CsdError when no suitable node is available, naming CSD_PI_NODE
 */
export async function piNodeDir(
  env: Record<string, string>,
  piBinary: string,
): Promise<string | null> {
  const node = await piNode(env, piBinary);
  if (node.problem) throw new CsdError(node.problem);
  if (node.source !== "CSD_PI_NODE" || !node.path) return null;
  return node.path.replace(/\/[^/]*$/, "") || "/";
}

/**
 * The lowest version an `engines.node` range accepts, for the common forms (`>=22.19.0`,
 * `^20.6`, `22`); null for anything else, which then goes unchecked.
 */
export function minimumVersion(range: string): string | null {
  const match = range.trim().match(/^(?:>=|\^|~)?\s*v?(\d+(?:\.\d+){0,2})(?:\.x)?$/);
  return match ? match[1]! : null;
}
