/**
 * A private directory per daemon instance for its config, control socket, pid file and log, so
 * that no path is shared with the system's own services or with another test's daemons.
 */
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class WorkDir {
  private constructor(readonly dir: string) {}

  static async create(label: string): Promise<WorkDir> {
    return new WorkDir(await mkdtemp(path.join(tmpdir(), `petrel-${label}-`)));
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  async write(name: string, text: string): Promise<string> {
    const file = this.file(name);
    await writeFile(file, text, { mode: 0o600 });
    return file;
  }

  /** The file's text, or empty when it does not exist (yet). */
  async read(name: string): Promise<string> {
    try {
      return await readFile(this.file(name), 'utf8');
    } catch {
      return '';
    }
  }

  /** Hands the directory and its files to a daemon that drops privileges to its own user. */
  async chownAll(uid: number, gid: number): Promise<void> {
    await chown(this.dir, uid, gid);
    for (const name of await readdir(this.dir)) await chown(this.file(name), uid, gid);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
