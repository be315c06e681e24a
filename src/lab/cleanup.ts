/**
 * Teardown that runs however the lab ends: normally (the owner calls it), on SIGINT or SIGTERM
 * (Ctrl-C during `petrel lab`), or at process exit after a failure nobody caught. Each resource
 * registers an asynchronous teardown (stop a daemon and wait, delete namespaces) and a
 * synchronous last resort for `exit`, where nothing can be awaited (SIGKILL by PID,
 * `ip netns del` by name). Teardowns run newest first, so the daemons inside the namespaces stop
 * before the namespaces go: deleting a namespace does not end the processes in it.
 */
export interface Teardown {
  readonly label: string;
  readonly run: () => Promise<void>;
  readonly runSync: () => void;
}

const registered: Teardown[] = [];
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type HandledSignal = (typeof SIGNALS)[number];

let tearingDown: Promise<void> | undefined;

process.once('exit', () => {
  for (const teardown of [...registered].reverse()) {
    try {
      teardown.runSync();
    } catch {
      // Best effort at exit: the next resource still gets its turn.
    }
  }
  registered.length = 0;
});

function onSignal(signal: HandledSignal): void {
  process.stderr.write(`\npetrel lab: ${signal}: tearing down\n`);
  void teardownAll().finally(() => {
    uninstallSignals();
    // With our handlers gone the signal's default action ends the process, as it would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

const handlers: Record<HandledSignal, () => void> = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
let signalsInstalled = false;

function installSignals(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const signal of SIGNALS) process.on(signal, handlers[signal]);
}

function uninstallSignals(): void {
  if (!signalsInstalled) return;
  signalsInstalled = false;
  for (const signal of SIGNALS) process.off(signal, handlers[signal]);
}

/** Registers a teardown; the returned function unregisters it (after the owner ran it itself). */
export function registerTeardown(teardown: Teardown): () => void {
  registered.push(teardown);
  installSignals();
  return () => {
    const index = registered.indexOf(teardown);
    if (index >= 0) registered.splice(index, 1);
    if (registered.length === 0) uninstallSignals();
  };
}

/** Runs every registered teardown, newest first, once; errors are reported and do not stop the rest. */
export function teardownAll(): Promise<void> {
  tearingDown ??= (async () => {
    for (let teardown = registered.pop(); teardown !== undefined; teardown = registered.pop()) {
      try {
        await teardown.run();
      } catch (err) {
        process.stderr.write(`petrel lab: teardown of ${teardown.label} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  })().finally(() => {
    tearingDown = undefined;
  });
  return tearingDown;
}
