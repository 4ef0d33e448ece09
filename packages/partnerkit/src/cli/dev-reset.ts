import { rm } from "node:fs/promises";
import { devBillingClockFile, devDatabaseFile, devPath } from "./dev-environment.ts";

type Env = Record<string, string | undefined>;

/** Where the emulators of `dev` and `emulator` keep the Marketplace between runs. */
export const emulatorStateFile = (env: Env) => devPath(env, "emulator-state.json");

/**
 * `--reset`: the emulated Marketplace starts empty, and so does the dev database that remembers
 * the same installations, or the partner would keep calling Vercel for installations it forgot.
 * A `DATABASE_URL` of the user's own is theirs to empty: the returned lines say so.
 */
export async function resetDevState(baseEnv: Env, { database }: { database: boolean }) {
  await rm(emulatorStateFile(baseEnv), { force: true });
  const lines = ["Reset: the emulated Marketplace starts empty."];
  if (!database) return lines;
  if (baseEnv.DATABASE_URL) {
    lines.push(
      "DATABASE_URL is set, so its data was kept: empty it too, or the partner keeps installations the Marketplace forgot.",
    );
    return lines;
  }
  const file = devDatabaseFile(baseEnv);
  await Promise.all(["", "-wal", "-shm"].map((suffix) => rm(`${file}${suffix}`, { force: true })));
  await rm(devBillingClockFile(baseEnv), { force: true });
  lines.push(`Reset: the dev database ${file} starts empty.`);
  return lines;
}
