/**
 * `npm run load`: realistic shopper visits against the shop's frontend, with a live progress
 * line, then a per-step table (p50, p95, p99, p99.9, throughput, errors) and, with --out, JSON.
 *
 *   npm run load                                         # 50 users, closed loop, 30 s, on 127.0.0.1:8080
 *   npm run load -- --vus 1000 --duration 60 --think-ms 1000
 *   npm run load -- --mode open --rate 200 --max-vus 1000 --out load-report.json
 *   npm run load -- --mix view_product=0.8,checkout=0.2 --seed 7
 *   npm run load -- --plot load.svg                      # latency over time (.svg, or .png)
 */
import { writeFileSync } from "node:fs";
import { handleCliErrors, parseCli, UsageError } from "../../common/cli.js";
import { renderSvg, svgToPng } from "../../common/plot.js";
import { servicePort } from "../../config/shop.js";
import { parseMix } from "./journey.js";
import { loadPlot } from "./plot.js";
import { summarize, table } from "./report.js";
import { type LoadOptions, runLoad } from "./runner.js";

const USAGE = `usage: npm run load -- [--target URL] [--mode closed|open] [--vus N] [--rate N] [--max-vus N]
  [--duration SECONDS] [--think-ms MS] [--timeout-ms MS] [--mix step=p,...] [--seed N] [--out FILE]
  [--plot FILE.svg|FILE.png]

--out writes the report as JSON; --plot draws its latency, throughput and errors over time.`;

handleCliErrors("load");

function fail(message: string): never {
  throw new UsageError(`${message}\n${USAGE}`);
}

function number(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    fail(`--${name} is "${raw}" but must be a number from ${min} to ${max}`);
  return n;
}

const { values } = parseCli(USAGE, {
  target: { type: "string", default: `http://127.0.0.1:${servicePort("frontend")}` },
  mode: { type: "string", default: "closed" },
  vus: { type: "string", default: "50" },
  rate: { type: "string", default: "20" },
  "max-vus": { type: "string", default: "1000" },
  duration: { type: "string", default: "30" },
  "think-ms": { type: "string", default: "500" },
  "timeout-ms": { type: "string", default: "10000" },
  mix: { type: "string" },
  seed: { type: "string", default: "1" },
  out: { type: "string" },
  plot: { type: "string" },
});
if (values.plot !== undefined && !/\.(svg|png)$/.test(values.plot))
  fail(`--plot is "${values.plot}" but must name a .svg or .png file`);
if (values.mode !== "closed" && values.mode !== "open")
  fail(`--mode is "${values.mode}" but must be closed or open`);
let mix: LoadOptions["mix"];
try {
  mix = parseMix(values.mix);
} catch (e) {
  fail((e as Error).message);
}
const target = values.target.replace(/\/+$/, "");

// The product ids come from the shop itself, so the load follows whatever the catalog sells.
const catalog = await fetch(`${target}/api/products`).catch((e: Error) =>
  fail(`cannot reach ${target}: ${e.message}; start the shop with npm run shop`),
);
if (catalog.status !== 200) fail(`${target}/api/products answered ${catalog.status}`);
const productIds = ((await catalog.json()) as { items: { id: string }[] }).items.map((p) => p.id);

const options: LoadOptions = {
  target,
  mode: values.mode,
  vus: number("vus", values.vus, 1, 100_000),
  rate: number("rate", values.rate, 0.01, 100_000),
  maxVus: number("max-vus", values["max-vus"], 1, 100_000),
  durationMs: number("duration", values.duration, 1, 86_400) * 1000,
  thinkMs: number("think-ms", values["think-ms"], 0, 600_000),
  timeoutMs: number("timeout-ms", values["timeout-ms"], 1, 600_000),
  mix,
  seed: number("seed", values.seed, 0, 2 ** 31 - 1),
  productIds,
};

const tty = process.stderr.isTTY;
const result = await runLoad(options, (p) => {
  const line = `[${(p.elapsedMs / 1000).toFixed(0).padStart(4)}s/${options.durationMs / 1000}s] active ${p.active}  requests ${p.requests}  rps ${(p.requests / (p.elapsedMs / 1000)).toFixed(1)}  errors ${p.errors}  p99 ${p.p99Ms.toFixed(1)} ms`;
  process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
});
if (tty) process.stderr.write("\n");
const report = summarize(result);
console.log(table(report));
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}
if (values.plot) {
  const svg = await renderSvg(loadPlot(report));
  writeFileSync(values.plot, values.plot.endsWith(".png") ? svgToPng(svg) : svg);
  console.log(`wrote ${values.plot}`);
}
