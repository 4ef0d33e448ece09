import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../support/server-process.ts";

const run = promisify(execFile);

export interface Tarballs {
  partnerkit: string;
  createPartnerkit: string;
}

let packed: Promise<Tarballs> | undefined;

/**
 * `npm pack` of the two published packages, as a provider's npm would download them (partnerkit's
 * prepack builds dist/ first). Packed once per test process.
 */
export function packTarballs(): Promise<Tarballs> {
  packed ??= (async () => {
    const destination = await mkdtemp(join(tmpdir(), "partnerkit-pack-"));
    process.once("exit", () => rmSync(destination, { recursive: true, force: true }));
    for (const workspace of ["partnerkit", "create-partnerkit"]) {
      await run("npm", ["pack", "--workspace", workspace, "--pack-destination", destination], {
        cwd: REPO_ROOT,
      });
    }
    const files = await readdir(destination);
    const find = (prefix: RegExp) => {
      const file = files.find((name) => prefix.test(name));
      if (!file) throw new Error(`npm pack wrote no ${prefix} tarball in ${destination}`);
      return join(destination, file);
    };
    return {
      partnerkit: find(/^partnerkit-\d/),
      createPartnerkit: find(/^create-partnerkit-\d/),
    };
  })();
  return packed;
}

/** Runs a command in `cwd` and returns its output; a non-zero exit rejects with both streams. */
export async function sh(
  cwd: string,
  command: string,
  args: string[],
  env: Record<string, string | undefined> = process.env,
  timeoutMs = 300_000,
): Promise<{ stdout: string; stderr: string }> {
  return run(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
}
