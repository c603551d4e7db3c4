/**
 * A small JSON-file store: the whole state in memory, written to one file (mode 0600) after
 * every change, through a temporary file and a rename so a crash never leaves half a file.
 * Changes are applied one at a time, in order. Enough for an example; a real shop uses a
 * database.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export class JsonStore<T> {
  private queue: Promise<void> = Promise.resolve();
  private writes = 0;

  private constructor(
    private readonly file: string,
    private state: T,
  ) {}

  static async open<T>(file: string, initial: () => T): Promise<JsonStore<T>> {
    await mkdir(dirname(file), { recursive: true });
    let state: T;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      state = initial();
    }
    return new JsonStore(file, state);
  }

  /** The current state; read only — change it through {@link update}. */
  get data(): Readonly<T> {
    return this.state;
  }

  /**
   * Runs `change` on the state, then saves it. `change` runs after every earlier change was
   * saved; if it throws, nothing is saved and the error comes back.
   */
  update<R>(change: (state: T) => R): Promise<R> {
    const run = this.queue.then(async () => {
      const draft = structuredClone(this.state);
      const result = change(draft);
      await this.save(draft);
      this.state = draft;
      return result;
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async save(state: T): Promise<void> {
    this.writes += 1;
    const temporary = `${this.file}.${process.pid}.${this.writes}.tmp`;
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, this.file);
  }
}
