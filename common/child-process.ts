/** Helpers for the servers the local shop and the tests run as child processes. */
import type { ChildProcess } from "node:child_process";

/**
 * Tries `probe` every 100 ms until it resolves, at most `attempts` times; the last error and the
 * child's output explain a failure. A child that exits first fails at once.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<void>,
  child: ChildProcess,
  log: () => string,
  attempts = 100,
): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${log()}`);
    try {
      await probe();
      return;
    } catch (e) {
      last = e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${what} did not become ready: ${String(last)}\n${log()}`);
}

/** The last 4000 characters the child wrote, for error messages. */
export function capture(child: ChildProcess): () => string {
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => out;
}

/** Signals the child and resolves when it has exited (at once if it already has). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}
