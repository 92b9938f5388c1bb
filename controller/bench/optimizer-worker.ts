/**
 * The optimizer as the benchmark measures it: bundled by esbuild the way its image ships it and run
 * by plain Node in its own process, so its CPU and resident set are the optimizer's own (no test
 * runner, no TypeScript loader, no fixture). Reads commands from stdin, one per line, and answers
 * each with one JSON line on stdout:
 *
 *   (at start) → { ready, rssMb, heapUsedMb }
 *   pass  → { cpuMs, telemetryCpuMs, wallMs, queries, rssMb, heapUsedMb }
 *   stop  → { decided }, then exits
 *
 * Started with one argument, a JSON WorkerConfig.
 */
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { PrometheusSource } from "../metrics/prometheus.js";
import { startOptimizer } from "../optimizer.js";

export interface WorkerConfig {
  readonly prometheusUrl: string;
  readonly kubeServer: string;
  readonly namespace: string;
  readonly pretrainedTable: string;
}

export interface PassFigures {
  readonly cpuMs: number;
  readonly telemetryCpuMs: number;
  readonly wallMs: number;
  readonly queries: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig;
let queries = 0;
let telemetryCpuMs = 0;
const prometheus = new PrometheusSource({
  url: config.prometheusUrl,
  timeoutMs: 10_000,
  onQuery: () => queries++,
});
const optimizer = await startOptimizer({
  prometheusUrl: config.prometheusUrl,
  kubeServer: config.kubeServer,
  namespaces: [config.namespace],
  podNamespace: "meshpilot-system",
  podName: "bench",
  intervalMs: 30_000,
  windowMs: 5000,
  stateConfigMap: "meshpilot-optimizer-state",
  leaseName: "meshpilot-optimizer",
  pretrainedTable: config.pretrainedTable,
  audit: new Writable({ write: (_chunk, _encoding, done) => done() }),
  seed: 1,
  log: { info: () => undefined, warn: (f, m) => console.error(`warn: ${m} ${JSON.stringify(f)}`) },
  metricsSource: {
    async observe(destinations, windowMs, atMs) {
      const cpu = process.cpuUsage();
      const result = await prometheus.observe(destinations, windowMs, atMs);
      const used = process.cpuUsage(cpu);
      telemetryCpuMs += (used.user + used.system) / 1000;
      return result;
    },
  },
  manual: true,
  saveEvery: 1_000_000,
});

async function pass(): Promise<PassFigures> {
  queries = 0;
  telemetryCpuMs = 0;
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await optimizer.reconciler.reconcile();
  const used = process.cpuUsage(cpu);
  return {
    cpuMs: (used.user + used.system) / 1000,
    telemetryCpuMs,
    wallMs: performance.now() - wall,
    queries,
    ...memory(),
  };
}

function memory(): { rssMb: number; heapUsedMb: number } {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: rss / 2 ** 20, heapUsedMb: heapUsed / 2 ** 20 };
}

process.stdout.write(`${JSON.stringify({ ready: true, ...memory() })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "pass") process.stdout.write(`${JSON.stringify(await pass())}\n`);
  else if (line === "stop") {
    await optimizer.stop();
    const decided = Object.keys(optimizer.reconciler.snapshot().intents).length;
    process.stdout.write(`${JSON.stringify({ decided })}\n`);
    break;
  } else console.error(`optimizer-worker: unknown command '${line}'; pass or stop`);
}
