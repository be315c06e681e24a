/**
 * Watching the config file and the `calicoResources` files and folders, so a change reloads as
 * SIGHUP does (`reload.watchFiles`). A burst of changes — an editor's save, `kubectl cp`, a
 * ConfigMap update — yields one call of `onChange` once nothing has changed for `debounceMs`.
 *
 * Folders are watched, never the files' own inodes: editors replace files by rename, and a
 * ConfigMap volume swaps its `..data` symlink to a new folder (the file names are symlinks
 * through it), so a watch on the old file would see nothing. Each path is watched through its
 * parent folder (events naming it, or the volume's `..`-prefixed entries); a folder of manifests
 * is watched too (a manifest added, changed or removed). The caller re-arms with `watch()` after
 * each reload: the set of paths may have changed, and a replaced folder needs a new watch.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';

/** Quiet time after the last change before reloading. */
export const DEFAULT_WATCH_DEBOUNCE_MS = 500;

export interface ConfigWatcherOptions {
  readonly onChange: () => void;
  readonly logger: Logger;
  readonly debounceMs?: number;
}

/** Which entries of a watched folder matter; null names (some platforms) always do. */
type EntryFilter = (name: string) => boolean;

/** Kubernetes' atomic writer (ConfigMap and Secret volumes) names its entries `..data`, `..2024_…`. */
function isVolumeEntry(name: string): boolean {
  return name.startsWith('..');
}

/** The files a folder of manifests stands for (calico/documents.ts reads these). */
function isManifest(name: string): boolean {
  return /\.(ya?ml|json)$/i.test(name) || isVolumeEntry(name);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export class ConfigWatcher {
  readonly #options: ConfigWatcherOptions;
  readonly #debounceMs: number;
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Folders already reported as unwatchable: one warning each, not one per re-arm. */
  readonly #reported = new Set<string>();
  #closed = false;

  constructor(options: ConfigWatcherOptions) {
    this.#options = options;
    this.#debounceMs = options.debounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS;
  }

  /** Watches exactly `paths` (files or folders) from now on, replacing the previous watches. */
  watch(paths: readonly string[]): void {
    this.#closeWatchers();
    this.#closed = false;
    const filters = new Map<string, EntryFilter[]>();
    const add = (folder: string, filter: EntryFilter): void => {
      filters.set(folder, [...(filters.get(folder) ?? []), filter]);
    };
    for (const p of paths) {
      const name = path.basename(p);
      add(path.dirname(p), (entry) => entry === name || isVolumeEntry(entry));
      if (isDirectory(p)) add(p, isManifest);
    }
    for (const [folder, folderFilters] of filters) this.#watchFolder(folder, (entry) => folderFilters.some((f) => f(entry)));
  }

  /** Whether a change is waiting for the quiet time to pass. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Stops watching; a pending change is dropped. */
  close(): void {
    this.#closed = true;
    this.#closeWatchers();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #watchFolder(folder: string, matches: EntryFilter): void {
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (name === null || matches(name)) this.#changed();
      });
    } catch (err) {
      if (!this.#reported.has(folder)) {
        this.#reported.add(folder);
        this.#options.logger.warn({ folder, err }, `reload.watchFiles: cannot watch ${folder}; changes there need SIGHUP or petrel reload`);
      }
      return;
    }
    this.#reported.delete(folder);
    // The folder itself went away (deleted, unmounted): that is a change; the re-arm sorts it out.
    watcher.on('error', () => {
      watcher.close();
      this.#changed();
    });
    this.#watchers.push(watcher);
  }

  #changed(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) this.#options.onChange();
    }, this.#debounceMs);
  }

  #closeWatchers(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
  }
}
