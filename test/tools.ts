import { spawnSync } from "node:child_process";
import { join } from "node:path";

/**
 * Runs a real command-line tool from a Debian package that .ci/run installs (promtool from
 * `prometheus`, amtool from `prometheus-alertmanager`), with a timeout so a stuck tool fails the
 * test instead of hanging CI. Throws with the tool's output when it exits non-zero.
 */
export function runTool(tool: string, args: string[], cwd: string, debianPackage: string): string {
  const run = spawnSync(tool, args, { cwd, encoding: "utf8", timeout: 30_000 });
  if (run.error)
    throw new Error(
      `${tool} could not run (${run.error.message}); install Debian's ${debianPackage} package`,
    );
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) throw new Error(`${tool} ${args.join(" ")} failed:\n${output}`);
  return output;
}

export const promtool = (args: string[], cwd: string) => runTool("promtool", args, cwd, "prometheus");
export const amtool = (args: string[], cwd: string) =>
  runTool("amtool", args, cwd, "prometheus-alertmanager");

/**
 * Runs one of our command scripts the way `npm run` does (tsx), without npm's banner, with a
 * timeout; MESHPILOT_DEBUG is cleared so the output is what a user sees.
 */
export function runScript(script: string, args: string[]) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "--disable-warning=DEP0044", script, ...args], {
    cwd: join(import.meta.dirname, ".."),
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, MESHPILOT_DEBUG: "" },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}
