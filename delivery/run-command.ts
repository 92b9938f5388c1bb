/**
 * Runs a command the way the packaging and CLI checks need: its own time limit, output captured,
 * and a failure that says which command failed and ends with what it printed.
 */
import { spawnSync } from "node:child_process";

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Killed after this long, so a hung install or synth fails the check instead of the CI run. */
  readonly timeoutMs: number;
}

export function runCommand(command: string, args: readonly string[], options: RunOptions): string {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: "utf8",
    timeout: options.timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
  });
  const shown = `${command} ${args.join(" ")}`;
  if (result.error) throw new Error(`${shown}: ${result.error.message}`);
  if (result.signal) throw new Error(`${shown}: killed by ${result.signal} after ${options.timeoutMs} ms`);
  if (result.status !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`${shown} exited with ${result.status}:\n${tail}`);
  }
  return result.stdout;
}
