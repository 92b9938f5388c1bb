/**
 * `npm run pictures`: the dashboards and the load plot, drawn from a real run of the local shop.
 *
 *   npm run pictures                       # into dist/pictures/
 *   npm run pictures:docs                  # into docs/pictures/, the committed pictures
 *   npm run pictures -- --minutes 1 --out /tmp/pictures --port-offset 700
 *
 * What runs: the seven services (`npm run shop`'s processes) each behind a local double of Istio's
 * inbound sidecar that counts requests as Envoy does; Debian's Prometheus scraping those doubles
 * with the very recording rules the GitOps tree ships; `npm run load`'s generator against the
 * frontend, with the fault knobs making recommendation slow and sometimes failing. Then every
 * panel of both dashboards runs its own queries against that Prometheus, and the load run draws
 * its latency over time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { handleCliErrors, parseCli, UsageError } from "../../common/cli.js";
import { renderSvg, svgToPng } from "../../common/plot.js";
import { SHOP_SERVICES, servicePort } from "../../config/shop.js";
import { overviewDashboard, SERVICE_VARIABLE, serviceDashboard } from "../../constructs/k8s/dashboards.js";
import { NAMESPACES } from "../../constructs/k8s/namespaces.js";
import { objectiveRules, recordingRules } from "../../constructs/k8s/slo-rules.js";
import { IstioSidecarDoubles } from "../../controller/testbed/istio-sidecar-double.js";
import { startPrometheus } from "../../controller/testbed/prometheus-server.js";
import { parseMix } from "../../services/load/journey.js";
import { loadPlot } from "../../services/load/plot.js";
import { summarize } from "../../services/load/report.js";
import { runLoad } from "../../services/load/runner.js";
import { startShop } from "../../services/local/processes.js";
import { type DashboardJson, renderDashboard } from "./dashboard-render.js";
import { DEMO_NAMESPACE, type OptimizerDemo, optimizerDemo } from "./optimizer-demo.js";
import { prometheusSource } from "./prometheus-query.js";

const USAGE = `usage: npm run pictures -- [--minutes N] [--out DIR] [--port-offset N]

Runs the local shop under load behind Istio telemetry doubles, with a real Prometheus and the
tree's recording rules, and draws both Grafana dashboards and the load plot as PNG into DIR
(default dist/pictures/; npm run pictures:docs writes docs/pictures/).`;

/** The scrape and rule interval: short, so a few minutes of load fill the panels. */
const SCRAPE_S = 5;
/** Services listen this far above their model ports; the sidecar doubles take the model ports. */
const SIDECAR_SHIFT = 10;
const FAULTY = "recommendation";
const FAULT = {
  FAULT_ERROR_RATE: "0.03",
  FAULT_LATENCY_MS: "40",
  FAULT_LATENCY_JITTER_MS: "160",
  FAULT_SEED: "7",
};
const LOAD = { vus: 40, thinkMs: 150, seed: 1 };

handleCliErrors("pictures");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { values } = parseCli(USAGE, {
    minutes: { type: "string", default: "5" },
    out: { type: "string", default: join(import.meta.dirname, "..", "..", "dist", "pictures") },
    "port-offset": { type: "string", default: "600" },
  });
  const minutes = Number(values.minutes);
  if (!(minutes > 0 && minutes <= 60))
    throw new UsageError(`--minutes must be from 0 to 60, got '${values.minutes}'`);
  const offset = Number(values["port-offset"]);
  if (!Number.isInteger(offset) || offset < 0) throw new UsageError(`--port-offset must be a whole number`);
  const out = values.out as string;

  const doubles = new IstioSidecarDoubles(NAMESPACES.shop);
  const shop = await startShop({
    portOffset: offset,
    sidecarPortShift: SIDECAR_SHIFT,
    overrides: { [FAULTY]: FAULT },
    log: () => undefined,
  });
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  let demo: OptimizerDemo | undefined;
  try {
    for (const s of SHOP_SERVICES) await doubles.start(s, s.port + offset, shop.urls[s.name]);
    const rules = stringify({
      groups: [recordingRules(NAMESPACES.shop), objectiveRules(NAMESPACES.shop, SHOP_SERVICES)].map((g) => ({
        ...g,
        interval: `${SCRAPE_S}s`,
      })),
    });
    demo = await optimizerDemo(minutes * 60_000, (minutes * 60_000) / 3);
    prometheus = await startPrometheus([await doubles.serveMetrics(), ...demo.targets], SCRAPE_S, { rules });
    await demo.start(prometheus.url);
    const target = `http://127.0.0.1:${servicePort("frontend") + offset}`;
    const catalog = (await (await fetch(`${target}/api/products`)).json()) as { items: { id: string }[] };
    process.stderr.write(`pictures: ${minutes} min of load on ${target}, Prometheus at ${prometheus.url}\n`);
    const startS = Date.now() / 1000;
    const result = await runLoad({
      target,
      mode: "closed",
      vus: LOAD.vus,
      rate: 0,
      maxVus: LOAD.vus,
      durationMs: minutes * 60_000,
      thinkMs: LOAD.thinkMs,
      timeoutMs: 10_000,
      mix: parseMix(undefined),
      seed: LOAD.seed,
      productIds: catalog.items.map((p) => p.id),
    });
    // Two more scrapes and rule evaluations, so the last seconds of load are in the rules' series.
    await sleep(2 * SCRAPE_S * 1000 + 1000);
    const endS = Date.now() / 1000;
    const range = { startS, endS };
    const source = prometheusSource(
      prometheus.url,
      startS,
      endS,
      Math.max(SCRAPE_S, Math.ceil((endS - startS) / 240)),
    );
    const note = `${minutes} min of npm run load (${LOAD.vus} users) on the local shop; ${FAULTY} with fault knobs (3% errors, 40-200 ms extra); Istio's metrics from local sidecar doubles, rules from the GitOps tree; the optimizer row is the real optimizer acting on a simulated ${DEMO_NAMESPACE}/catalog whose v2 slows tenfold a third of the way in; dashed lines mark its decisions`;

    mkdirSync(out, { recursive: true });
    const written: string[] = [];
    const write = async (name: string, spec: Parameters<typeof renderSvg>[0]) => {
      writeFileSync(join(out, `${name}.png`), svgToPng(await renderSvg(spec)));
      written.push(join(out, `${name}.png`));
    };
    await write(
      "dashboard-overview",
      await renderDashboard(overviewDashboard() as DashboardJson, source, {}, range, note),
    );
    await write(
      "dashboard-service",
      await renderDashboard(
        serviceDashboard() as DashboardJson,
        source,
        { [SERVICE_VARIABLE]: FAULTY },
        range,
        note,
      ),
    );
    await write("load-over-time", loadPlot(summarize(result)));
    console.log(`pictures: wrote ${written.join(", ")}`);
  } finally {
    await demo?.stop();
    await prometheus?.stop();
    await doubles.stop();
    await shop.stop();
  }
}

await main();
