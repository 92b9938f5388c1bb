/**
 * A real Prometheus (Debian's package) on loopback, scraping the given targets every second, in a
 * temporary directory that stop() removes. For the controller's tests and the closed loop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../services/local/stores.js";

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startPrometheus(
  targets: readonly string[],
  scrapeIntervalS = 1,
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "meshpilot-prometheus-"));
  const port = await freePort();
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      `  scrape_interval: ${scrapeIntervalS}s`,
      `  evaluation_interval: ${scrapeIntervalS}s`,
      "scrape_configs:",
      "  - job_name: mesh",
      "    static_configs:",
      `      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
    const res = await fetch(`${url}/-/ready`).catch(() => undefined);
    if (res?.status === 200) break;
    if (attempt > 300) throw new Error(`prometheus was not ready after 30 s:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null)
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
