import { readFile, rm, writeFile } from "node:fs/promises";
import { z } from "zod";
import { devPath } from "./dev-environment.ts";

type Env = Record<string, string | undefined>;

/** What `partnerkit dev` leaves in `.partnerkit/emulator.json` while it runs, for `conformance` to find. */
export const DevEmulatorRecord = z.object({
  url: z.string(),
  partnerUrl: z.string(),
  /** The integration module `dev` serves, as an absolute path. */
  integration: z.string().optional(),
});
export type DevEmulatorRecord = z.infer<typeof DevEmulatorRecord>;

const recordFile = (env: Env) => devPath(env, "emulator.json");

export async function recordDevEmulator(env: Env, record: DevEmulatorRecord): Promise<void> {
  await writeFile(recordFile(env), JSON.stringify(record, null, 2));
}

export async function forgetDevEmulator(env: Env): Promise<void> {
  await rm(recordFile(env), { force: true });
}

/** The record, or undefined when `dev` is not running here (or left a file that does not parse). */
export async function readDevEmulator(env: Env): Promise<DevEmulatorRecord | undefined> {
  try {
    const parsed = DevEmulatorRecord.safeParse(JSON.parse(await readFile(recordFile(env), "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
