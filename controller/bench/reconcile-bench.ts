/**
 * The optimizer's speed: a reconcile pass over many intents, against the real Prometheus and the
 * Kubernetes API double. The optimizer runs bundled, as its image ships it, in a process of its own
 * (optimizer-worker.ts); the double and the exporter run in another (mesh-fixture.ts). So the CPU
 * and resident set measured are the optimizer's alone.
 * Prints the figures and writes them to docs/BENCHMARKS.md (its own section) and
 * docs/bench/optimizer-speed.json.
 *
 *   npm run bench:optimizer                      # 500 intents, 5 measured passes
 *   npm run bench:optimizer -- --intents 100 --passes 3 --out /tmp/docs
 *
 * Targets: at most 200 ms of CPU per pass, at most 5 PromQL queries per interval, a resident set
 * of at most 150 MB.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { OPTIMIZER_RUNTIME_ENV, PRETRAINED_PATH } from "../../api/optimizer.js";
import { stopChild } from "../../common/child-process.js";
import { handleCliErrors, parseCli, UsageError } from "../../common/cli.js";
import { bundleEntries } from "../../services/bundle.js";
import { PrometheusSource } from "../metrics/prometheus.js";
import { startPrometheus } from "../testbed/prometheus-server.js";
import { upsertSection } from "./doc-section.js";
import { BENCH_NAMESPACE } from "./mesh-fixture-names.js";
import type { PassFigures, WorkerConfig } from "./optimizer-worker.js";

const TARGETS = { cpuMs: 200, queries: 5, rssMb: 150 };

handleCliErrors("bench:optimizer");
const { values } = parseCli(
  `usage: npm run bench:optimizer -- [--intents N] [--passes N] [--out DIR]

Measures the controller's reconcile passes against a fake API server holding N intents, and writes
its section of DIR/BENCHMARKS.md (default DIR: dist/bench/; --out docs updates the committed report).`,
  {
    intents: { type: "string", default: "500" },
    passes: { type: "string", default: "5" },
    // A scratch folder unless told, like `npm run bench`: `--out docs` updates the committed report.
    out: { type: "string", default: "dist/bench" },
  },
);
const intents = Number(values.intents);
const passes = Number(values.passes);
if (!Number.isInteger(intents) || intents < 1 || !Number.isInteger(passes) || passes < 1)
  throw new UsageError(
    `--intents and --passes must be whole numbers from 1 (got ${values.intents}, ${values.passes})`,
  );

const fixture = spawn(
  process.execPath,
  ["--import", "tsx", "controller/bench/mesh-fixture.ts", String(intents)],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const first = await new Promise<string>((resolve, reject) => {
  fixture.once("exit", (code) => reject(new Error(`the mesh fixture exited with ${code}`)));
  createInterface({ input: fixture.stdout }).once("line", resolve);
});
const world = JSON.parse(first) as { kube: string; exporter: string };
const prometheus = await startPrometheus([world.exporter], 1);
let worker: ChildProcess | undefined;
try {
  // Wait for two scrapes of every series, so rates exist.
  const probe = {
    host: `svc-000.${BENCH_NAMESPACE}.svc.cluster.local`,
    namespace: BENCH_NAMESPACE,
    app: "svc-000",
  };
  const source = new PrometheusSource({ url: prometheus.url, timeoutMs: 10_000 });
  for (let i = 0; i < 60; i++) {
    const { observations } = await source.observe([probe], 5000, Date.now());
    if (!observations.get(probe.host)?.stale) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await bundleEntries({ "optimizer-worker": "controller/bench/optimizer-worker.ts" }, "build/bench");
  const config: WorkerConfig = {
    prometheusUrl: prometheus.url,
    kubeServer: world.kube,
    namespace: BENCH_NAMESPACE,
    pretrainedTable: PRETRAINED_PATH,
  };
  // The pod's runtime environment, and nothing else from ours (the bench itself runs under tsx).
  worker = spawn(process.execPath, ["build/bench/optimizer-worker.mjs", JSON.stringify(config)], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "", ...OPTIMIZER_RUNTIME_ENV },
  });
  const answers = createInterface({ input: worker.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const ask = async <T>(command?: string): Promise<T> => {
    if (command) worker?.stdin?.write(`${command}\n`);
    const next = await answers.next();
    if (next.done) throw new Error("the optimizer worker exited before answering");
    return JSON.parse(next.value) as T;
  };
  const ready = await ask<{ ready: true; rssMb: number; heapUsedMb: number }>();
  const cold = await ask<PassFigures>("pass");
  const steady: PassFigures[] = [];
  for (let i = 0; i < passes; i++) steady.push(await ask<PassFigures>("pass"));
  const { decided } = await ask<{ decided: number }>("stop");
  if (decided !== intents)
    throw new Error(`only ${decided} of ${intents} intents were decided; see the warnings above`);

  const max = (k: "cpuMs" | "wallMs" | "queries" | "rssMb") => Math.max(...steady.map((s) => s[k]));
  const mean = (k: "cpuMs" | "wallMs" | "telemetryCpuMs") =>
    steady.reduce((a, s) => a + s[k], 0) / steady.length;
  const rss = Math.max(cold.rssMb, max("rssMb"));
  const rows = [
    [
      "CPU per pass (steady, max)",
      `${max("cpuMs").toFixed(1)} ms`,
      `≤ ${TARGETS.cpuMs} ms`,
      max("cpuMs") <= TARGETS.cpuMs,
    ],
    [
      "PromQL queries per interval (max)",
      `${max("queries")}`,
      `≤ ${TARGETS.queries}`,
      max("queries") <= TARGETS.queries,
    ],
    ["Resident set (max)", `${rss.toFixed(1)} MB`, `≤ ${TARGETS.rssMb} MB`, rss <= TARGETS.rssMb],
  ] as const;
  const body = [
    "## Optimizer speed",
    "",
    `Generated by \`npm run bench:optimizer -- --out docs\`. One reconcile pass over ${intents} TrafficIntents (${decided} decided; half Q-learning, half Thompson hedging, all in observe), reading the real Prometheus (Debian's package, scraping the Istio exporter every second) and the Kubernetes API double through @kubernetes/client-node. The optimizer runs as its image ships it (one esbuild bundle under plain Node) in its own process, and the API double and the exporter in a third, so the figures are the optimizer's own. The first pass writes every intent's status; steady passes write a status only when something other than the running commentary changed.`,
    "",
    "| figure | measured | target | result |",
    "|---|---|---|---|",
    ...rows.map(
      ([what, got, target, ok]) => `| ${what} | ${got} | ${target} | ${ok ? "met" : "**missed**"} |`,
    ),
    "",
    `Runtime: \`${Object.entries(OPTIMIZER_RUNTIME_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(
        " ",
      )}\`, as the OptimizerChart sets it. Resident set after start, before the first pass: ${ready.rssMb.toFixed(1)} MB (heap ${ready.heapUsedMb.toFixed(1)} MB).`,
    "",
    `First pass: ${cold.cpuMs.toFixed(1)} ms CPU, ${cold.wallMs.toFixed(0)} ms wall, ${cold.queries} queries. Steady passes (${passes}): mean ${mean("cpuMs").toFixed(1)} ms CPU (of which ${mean("telemetryCpuMs").toFixed(1)} ms reading Prometheus's answers), ${mean("wallMs").toFixed(0)} ms wall.`,
  ].join("\n");
  console.log(body);
  mkdirSync(join(values.out, "bench"), { recursive: true });
  const doc = join(values.out, "BENCHMARKS.md");
  writeFileSync(
    doc,
    upsertSection(existsSync(doc) ? readFileSync(doc, "utf8") : "# Benchmarks\n", "optimizer-speed", body),
  );
  writeFileSync(
    join(values.out, "bench", "optimizer-speed.json"),
    `${JSON.stringify({ intents, passes, targets: TARGETS, runtime: OPTIMIZER_RUNTIME_ENV, ready, cold, steady, rssMb: rss }, null, 2)}\n`,
  );
  console.log(`wrote ${doc} and ${join(values.out, "bench", "optimizer-speed.json")}`);
} finally {
  if (worker) await stopChild(worker, "SIGTERM");
  await prometheus.stop();
  await stopChild(fixture, "SIGTERM");
}
