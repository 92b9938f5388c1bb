/**
 * One live AIOps run on the real shop: the seven services (`npm run shop`'s processes) behind
 * Istio sidecar doubles, Debian's Prometheus scraping the doubles and every service's own /metrics
 * at the tree's Envoy interval and evaluating the tree's recording and burn-rate alert rules, the
 * load generator against the frontend, and a seeded schedule of faults set through each service's
 * fault knobs (PUT /faults). Every scrape interval, each method reads what Prometheus has:
 * - ours: the AIOps step (baseline + autoencoder, incidents, root cause);
 * - ours without the autoencoder (the baseline alone), to show what the autoencoder adds;
 * - a plain three-sigma threshold;
 * - the tree's own SLO burn-rate and latency alerts, as Prometheus fires them (ALERTS).
 * Wall-clock by nature: this is a benchmark, never a test.
 */
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import { callEdges, SHOP_SERVICES, servicePort } from "../../config/shop.js";
import { NAMESPACES } from "../../constructs/k8s/namespaces.js";
import { recordingRules, sloAlertRules } from "../../constructs/k8s/slo-rules.js";
import { parseMix } from "../../services/load/journey.js";
import { runLoad } from "../../services/load/runner.js";
import { freeOffset, startShop } from "../../services/local/processes.js";
import type { Alarm, LabelledFault } from "../aiops/evaluation.js";
import { type Fault, faultSchedule, HEALTHY_KNOBS, type ScheduleOptions } from "../aiops/fault-schedule.js";
import type { Incident } from "../aiops/incidents.js";
import { LogWindow } from "../aiops/log-window.js";
import { AiopsPipeline } from "../aiops/pipeline.js";
import { readSignals, signalQueries } from "../aiops/prometheus-signals.js";
import type { CallGraph } from "../aiops/root-cause.js";
import { type IncidentSummary, summarize } from "../aiops/summary.js";
import { ThreeSigmaDetector } from "../aiops/three-sigma.js";
import { PrometheusSource } from "../metrics/prometheus.js";
import { IstioSidecarDoubles } from "../testbed/istio-sidecar-double.js";
import { startPrometheus } from "../testbed/prometheus-server.js";

export const METHODS = ["meshpilot", "meshpilot-baseline-only", "three-sigma", "burn-rate-alerts"] as const;
export type Method = (typeof METHODS)[number];

export interface LiveOptions extends Omit<ScheduleOptions, "services"> {
  /** Scrape and step interval. The tree scrapes Envoy every 15 s. */
  readonly scrapeS: number;
  /** Closed-loop users of the load generator. */
  readonly vus: number;
  readonly log: (line: string) => void;
}

export interface LiveRun {
  readonly faults: readonly LabelledFault[];
  readonly schedule: readonly Fault[];
  readonly warmupMs: number;
  readonly endMs: number;
  readonly alarms: Readonly<Record<Method, readonly Alarm[]>>;
  /** Each step, per method, the services it flagged (for the timeline plot). */
  readonly flagged: readonly { readonly tMs: number; readonly method: Method; readonly service: string }[];
  readonly summaries: readonly IncidentSummary[];
  /** Steps on which some query failed, and the first such error. */
  readonly failedSteps: number;
  readonly firstError?: string;
  readonly load: { readonly requests: number; readonly errors: number };
}

const SIDECAR_SHIFT = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const CALL_GRAPH: CallGraph = Object.fromEntries(SHOP_SERVICES.map((s) => [s.name, [...s.calls]]));

/** Per-service alarm episodes for the peers, which alert per service: one alarm when a service starts firing. */
class Episodes {
  private readonly open = new Set<string>();
  readonly alarms: Alarm[] = [];
  step(tMs: number, firing: readonly string[]): void {
    for (const s of firing) if (!this.open.has(s)) this.alarms.push({ openedAtMs: tMs, suspects: [s] });
    this.open.clear();
    for (const s of firing) this.open.add(s);
  }
}

export async function liveRun(o: LiveOptions): Promise<LiveRun> {
  const services = SHOP_SERVICES.map((s) => s.name);
  const { faults: schedule, endMs } = faultSchedule({ ...o, services });
  const token = randomBytes(16).toString("hex");
  const offset = await freeOffset(23_000);
  const logs = new LogWindow(o.scrapeS * 1000);
  let t0 = Number.POSITIVE_INFINITY;
  const doubles = new IstioSidecarDoubles(NAMESPACES.shop);
  const shop = await startShop({
    portOffset: offset,
    sidecarPortShift: SIDECAR_SHIFT,
    overrides: Object.fromEntries(
      services.map((s, i) => [s, { FAULT_CONTROL_TOKEN: token, FAULT_SEED: String(o.seed * 100 + i) }]),
    ),
    log: (service, line) => {
      if (!(Date.now() >= t0)) return;
      try {
        const entry = JSON.parse(line) as {
          msg?: string;
          res?: { statusCode?: number };
          err?: { message?: string };
        };
        const text = [entry.msg, entry.res?.statusCode, entry.err?.message]
          .filter((x) => x !== undefined)
          .join(" ");
        logs.add(service, Date.now() - t0, text);
      } catch {
        logs.add(service, Date.now() - t0, line);
      }
    },
  });
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    for (const s of SHOP_SERVICES) await doubles.start(s, s.port + offset, shop.urls[s.name]);
    const rules = stringify({ groups: [recordingRules(NAMESPACES.shop), sloAlertRules(SHOP_SERVICES)] });
    const appTargets = services.map((s) => new URL(shop.metricsUrl(shop.urls[s])).host);
    prometheus = await startPrometheus([await doubles.serveMetrics(), ...appTargets], o.scrapeS, { rules });
    const source = new PrometheusSource({ url: prometheus.url, timeoutMs: 10_000 });
    const queries = signalQueries(NAMESPACES.shop, 4 * o.scrapeS);
    const target = `http://127.0.0.1:${servicePort("frontend") + offset}`;
    const catalog = (await (await fetch(`${target}/api/products`)).json()) as { items: { id: string }[] };
    o.log(
      `aiops: shop at ${target}, Prometheus at ${prometheus.url}; ${schedule.length} faults over ${Math.round(endMs / 60_000)} min (warm-up ${Math.round(o.warmupMs / 60_000)} min), call graph ${callEdges().join(" ")}`,
    );

    const setKnobs = async (f: Fault, knobs: object) => {
      const res = await fetch(`${shop.metricsUrl(shop.urls[f.service])}/faults`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(knobs),
      });
      if (res.status !== 200)
        throw new Error(`PUT /faults on ${f.service} answered ${res.status}: ${await res.text()}`);
    };

    t0 = Date.now();
    const load = runLoad({
      target,
      mode: "closed",
      vus: o.vus,
      rate: 0,
      maxVus: o.vus,
      durationMs: endMs,
      thinkMs: 150,
      timeoutMs: 10_000,
      mix: parseMix(undefined),
      seed: o.seed,
      productIds: catalog.items.map((p) => p.id),
    });
    const knobErrors: string[] = [];
    for (const f of schedule) {
      timers.push(
        setTimeout(() => {
          o.log(
            `aiops: +${Math.round(f.startMs / 1000)} s fault ${f.id}: ${f.kind} in ${f.service} ${JSON.stringify(f.knobs)}`,
          );
          setKnobs(f, f.knobs).catch((e: Error) => knobErrors.push(e.message));
        }, f.startMs),
        setTimeout(
          () => void setKnobs(f, HEALTHY_KNOBS).catch((e: Error) => knobErrors.push(e.message)),
          f.endMs,
        ),
      );
    }

    const stepMs = o.scrapeS * 1000;
    // Learning takes the warm-up's readings, less two for the first rate window to fill.
    const warmupPoints = Math.max(10, Math.floor(o.warmupMs / stepMs) - 2);
    const ours = new AiopsPipeline(
      CALL_GRAPH,
      { warmupPoints },
      { quietMs: 4 * stepMs, settleMs: 2 * stepMs },
    );
    const baselineOnly = new AiopsPipeline(
      CALL_GRAPH,
      { warmupPoints, useAutoencoder: false },
      { quietMs: 4 * stepMs, settleMs: 2 * stepMs },
    );
    const sigma = new ThreeSigmaDetector(warmupPoints);
    const sigmaEpisodes = new Episodes();
    const burnEpisodes = new Episodes();
    const incidents = { ours: [] as Incident[], baseline: [] as Incident[] };
    const flagged: LiveRun["flagged"][number][] = [];
    const summaries: IncidentSummary[] = [];
    let failedSteps = 0;
    let firstError: string | undefined;

    for (let tMs = stepMs; tMs <= endMs; tMs += stepMs) {
      const wait = t0 + tMs - Date.now();
      if (wait > 0) await sleep(wait);
      const atMs = Date.now();
      const [read, alerts] = await Promise.all([
        readSignals(source, services, queries, atMs),
        source
          .query(
            "alerts",
            'ALERTS{alertstate="firing",alertname=~"ShopErrorBudget.*|ShopLatencyObjectiveBreached"}',
            atMs,
          )
          .catch((e: Error) => e),
      ]);
      const errors = [...read.errors, ...(alerts instanceof Error ? [alerts.message] : [])];
      if (errors.length > 0) {
        failedSteps++;
        firstError ??= errors[0];
      }
      // The run's clock, from the start of the load: every method sees the same readings.
      const snapshot = { atMs: tMs, services: read.snapshot.services };
      const a = ours.step(snapshot);
      incidents.ours.push(...a.opened);
      const b = baselineOnly.step(snapshot);
      incidents.baseline.push(...b.opened);
      const s = sigma.step(snapshot);
      sigmaEpisodes.step(
        tMs,
        s.filter((v) => v.anomalous).map((v) => v.service),
      );
      const firing = alerts instanceof Error ? [] : [...new Set(alerts.map((x) => x.metric.service))].sort();
      burnEpisodes.step(tMs, firing);
      const verdicts = new Map(a.verdicts.map((v) => [v.service, v]));
      for (const incident of a.closed.concat(
        ours.tracker.openIncidents.filter(
          (i) => i.settledSuspects !== undefined && !summaries.some((x) => x.id === i.id),
        ),
      )) {
        if (summaries.some((x) => x.id === incident.id)) continue;
        const from = incident.openedAtMs - 2 * stepMs;
        const templates = Object.fromEntries(
          incident.services.map((svc) => [
            svc,
            logs.changes(svc, Math.max(0, from - 10 * 60_000), from, tMs),
          ]),
        );
        summaries.push(
          summarize({ incident, verdicts, templates, clock: (ms) => `+${Math.round(ms / 1000)} s` }),
        );
      }
      for (const [method, list] of [
        ["meshpilot", a.verdicts.filter((v) => v.state === "anomalous").map((v) => v.service)],
        ["meshpilot-baseline-only", b.verdicts.filter((v) => v.state === "anomalous").map((v) => v.service)],
        ["three-sigma", s.filter((v) => v.anomalous).map((v) => v.service)],
        ["burn-rate-alerts", firing],
      ] as const)
        for (const service of list) flagged.push({ tMs, method, service });
      if (tMs % (60_000 - (60_000 % stepMs)) < stepMs)
        o.log(
          `aiops: +${Math.round(tMs / 1000)} s: open incidents ${ours.tracker.openIncidents.map((i) => `${i.id}[${i.services.join(",")}]`).join(" ") || "none"}; burn-rate firing ${firing.join(",") || "none"}${errors.length > 0 ? `; query errors: ${errors[0]}` : ""}`,
        );
    }
    const result = await load;
    if (knobErrors.length > 0) throw new Error(`the fault knobs failed: ${knobErrors[0]}`);

    const labelled: LabelledFault[] = [];
    for (const f of schedule) labelled.push({ ...f, breachedSlo: await breached(source, f, t0) });
    const toAlarm = (i: Incident): Alarm => ({
      openedAtMs: i.openedAtMs,
      suspects: (i.settledSuspects ?? i.suspects).map((s) => s.service),
    });
    return {
      faults: labelled,
      schedule,
      warmupMs: o.warmupMs,
      endMs,
      alarms: {
        meshpilot: incidents.ours.map(toAlarm),
        "meshpilot-baseline-only": incidents.baseline.map(toAlarm),
        "three-sigma": sigmaEpisodes.alarms,
        "burn-rate-alerts": burnEpisodes.alarms,
      },
      flagged,
      summaries,
      failedSteps,
      ...(firstError !== undefined ? { firstError } : {}),
      load: {
        requests: Object.values(result.steps).reduce((n, s) => n + s.count, 0),
        errors: Object.values(result.steps).reduce((n, s) => n + s.errors, 0),
      },
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    await prometheus?.stop();
    await doubles.stop();
    await shop.stop();
  }
}

/**
 * Whether any service's SLI breached its objective over the fault's window: its error ratio above
 * the objective's, or its p99 above the objective's, both over the whole window.
 */
async function breached(source: PrometheusSource, f: Fault, t0: number): Promise<boolean> {
  const istio = `reporter="destination",destination_workload_namespace="${NAMESPACES.shop}"`;
  const w = `${Math.round((f.endMs - f.startMs) / 1000)}s`;
  const at = t0 + f.endMs;
  const by = "destination_service_name";
  const [errors, p99] = await Promise.all([
    source.query(
      "breach-errors",
      `sum by (${by}) (increase(istio_requests_total{${istio},response_code=~"5..|0"}[${w}])) / sum by (${by}) (increase(istio_requests_total{${istio}}[${w}]))`,
      at,
    ),
    source.query(
      "breach-p99",
      `histogram_quantile(0.99, sum by (${by}, le) (increase(istio_request_duration_milliseconds_bucket{${istio}}[${w}])))`,
      at,
    ),
  ]);
  const slo = new Map(SHOP_SERVICES.map((s) => [s.name, s.slo]));
  const over = (samples: typeof errors, pick: (o: { errorRate: number; p99LatencyMs: number }) => number) =>
    samples.some((x) => {
      const objective = slo.get(x.metric[by]);
      return objective !== undefined && Number(x.value[1]) > pick(objective);
    });
  return over(errors, (o) => o.errorRate) || over(p99, (o) => o.p99LatencyMs);
}
