import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { EmulatorState, EmulatorStateSnapshot } from "./state.ts";
import type { VercelApiSnapshot, VercelApiState } from "./vercel-api/store.ts";

/** Bumped when the shape changes: an older file is then ignored and replaced, not misread. */
const VERSION = 1;

interface Snapshot {
  version: number;
  state: EmulatorStateSnapshot;
  vercelApi: VercelApiSnapshot;
}

export interface StateFileOptions {
  file: string;
  state: EmulatorState;
  vercelApi: VercelApiState;
  /** How often a changed state is written; a last write happens on `close()`. */
  intervalMs?: number;
  warn: (message: string) => void;
}

/**
 * Keeps the emulated Marketplace (installations and their tokens, resources, projects, billing,
 * invoices) in a file across restarts, as Vercel keeps it: a partner whose database remembers an
 * installation must find Vercel remembering it too, or every call it makes for it is a 401.
 * The file holds the emulator's own test tokens and secrets, readable by this user only.
 */
export class StateFile {
  private written: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly options: StateFileOptions) {}

  /** Loads what the file holds into the state, then writes changes every `intervalMs`. */
  static async open(options: StateFileOptions): Promise<StateFile> {
    const stateFile = new StateFile(options);
    await stateFile.load();
    stateFile.timer = setInterval(() => void stateFile.save(), options.intervalMs ?? 1_000);
    stateFile.timer.unref();
    return stateFile;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.save();
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.options.file, "utf8");
    } catch {
      return; // first run
    }
    try {
      const snapshot = JSON.parse(text) as Snapshot;
      if (snapshot.version !== VERSION) throw new Error(`version ${snapshot.version}`);
      this.options.state.restore(snapshot.state);
      this.options.vercelApi.restore(snapshot.vercelApi);
      this.written = text;
    } catch (error) {
      this.options.warn(
        `${this.options.file} could not be read (${(error as Error).message}); starting with an empty Marketplace`,
      );
    }
  }

  /** Writes the state when it changed since the last write, one write at a time. */
  private save(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const snapshot: Snapshot = {
        version: VERSION,
        state: this.options.state.snapshot(),
        vercelApi: this.options.vercelApi.snapshot(),
      };
      const text = JSON.stringify(snapshot);
      if (text === this.written) return;
      try {
        await mkdir(dirname(this.options.file), { recursive: true });
        // A crash mid-write leaves the previous file whole.
        const partial = `${this.options.file}.partial`;
        await writeFile(partial, text, { mode: 0o600 });
        await rename(partial, this.options.file);
        this.written = text;
      } catch (error) {
        this.options.warn(`${this.options.file} could not be written: ${(error as Error).message}`);
      }
    });
    return this.writing;
  }
}
