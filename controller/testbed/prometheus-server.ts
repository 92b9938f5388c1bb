/**
 * A real Prometheus (Debian's package) on loopback, scraping the given targets every second, in a
 * temporary directory that stop() removes. For the controller's tests and the closed loop.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, stopChild, waitFor } from "../../common/child-process.js";
import { freePort } from "../../common/free-port.js";

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** @default "/metrics" */
  readonly metricsPath?: string;
  /** A rule file's text (recording and alerting rules), evaluated every scrape interval. */
  readonly rules?: string;
}

export async function startPrometheus(
  targets: readonly string[],
  scrapeIntervalS = 1,
  options: PrometheusOptions = {},
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "meshpilot-prometheus-"));
  const port = await freePort();
  if (options.rules !== undefined) writeFileSync(join(dir, "rules.yml"), options.rules);
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      `  scrape_interval: ${scrapeIntervalS}s`,
      `  evaluation_interval: ${scrapeIntervalS}s`,
      ...(options.rules !== undefined ? ["rule_files:", `  - ${join(dir, "rules.yml")}`] : []),
      "scrape_configs:",
      "  - job_name: mesh",
      `    metrics_path: ${options.metricsPath ?? "/metrics"}`,
      "    static_configs:",
      `      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]`,
      "",
    ].join("\n"),
  );
  const child = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    "prometheus",
    async () => {
      const res = await fetch(`${url}/-/ready`);
      if (res.status !== 200) throw new Error(`/-/ready answered ${res.status}`);
    },
    child,
    capture(child),
    300,
  );
  return {
    url,
    async stop() {
      await stopChild(child, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
