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
 * With pod faults, one service runs several replicas and the controller's remediation runs on
 * our step against the local shop (local-remediation.ts), on for half of the pod faults and off
 * for the other half, and each pod fault's time to recovery is measured (recovery.ts).
 * Wall-clock by nature: this is a benchmark, never a test.
 */
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import { validateAIOpsPolicy } from "../../api/aiops/validate.js";
import { freePort } from "../../common/free-port.js";
import { callEdges, SHOP_SERVICES, servicePort } from "../../config/shop.js";
import { NAMESPACES } from "../../constructs/k8s/namespaces.js";
import { recordingRules, sloAlertRules } from "../../constructs/k8s/slo-rules.js";
import { parseMix } from "../../services/load/journey.js";
import { runLoad } from "../../services/load/runner.js";
import { freeOffset, startShop } from "../../services/local/processes.js";
import type { Alarm, LabelledFault } from "../aiops/evaluation.js";
import { type Fault, faultSchedule, HEALTHY_KNOBS, type ScheduleOptions } from "../aiops/fault-schedule.js";
import { logEvidence } from "../aiops/log-evidence.js";
import { InMemoryLogSource } from "../aiops/log-source.js";
import { AiopsPipeline } from "../aiops/pipeline.js";
import { podQueries, readPodSignals, readSignals, signalQueries } from "../aiops/prometheus-signals.js";
import { type SeverityReading, timeToRecovery } from "../aiops/recovery.js";
import type { CallGraph } from "../aiops/root-cause.js";
import { type IncidentSummary, summarize } from "../aiops/summary.js";
import { ThreeSigmaDetector } from "../aiops/three-sigma.js";
import { PrometheusSource } from "../metrics/prometheus.js";
import { RemediationRunner } from "../reconciler/aiops-remediation.js";
import type { AiopsAuditRecord } from "../telemetry/audit.js";
import { IstioSidecarDoubles } from "../testbed/istio-sidecar-double.js";
import { startPrometheus } from "../testbed/prometheus-server.js";
import { type LocalReplica, LocalShopRemediation } from "./local-remediation.js";

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
  /** Each pod fault's arm, time to recovery and what remediation did during it. */
  readonly recovery: readonly Recovery[];
  /** Every remediation audit line of the run. */
  readonly remediation: readonly AiopsAuditRecord[];
}

export interface Recovery {
  readonly fault: number;
  readonly arm: "act" | "none";
  readonly pod: string;
  readonly kind: string;
  readonly faultMs: number;
  /** Undefined: the fault never showed, or never cleared before the next one. */
  readonly ttrMs?: number;
  /** Restarts carried out during it: when asked (from the fault's start) and how long the replica was out. */
  readonly restarts: readonly { readonly pod: string; readonly afterMs: number; readonly outMs?: number }[];
}

const SIDECAR_SHIFT = 10;
/** A replica leaving the rotation gets this long to finish what it holds, as Envoy drains. */
const DRAIN_MS = 1000;
const BENCH_POLICY = { namespace: NAMESPACES.shop, name: "bench" };
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
  // The shop's pino lines, read for evidence as the controller reads Loki's.
  const logs = new InMemoryLogSource();
  let t0 = Number.POSITIVE_INFINITY;
  const doubles = new IstioSidecarDoubles(NAMESPACES.shop);
  const shop = await startShop({
    portOffset: offset,
    sidecarPortShift: SIDECAR_SHIFT,
    overrides: Object.fromEntries(
      services.map((s, i) => [s, { FAULT_CONTROL_TOKEN: token, FAULT_SEED: String(o.seed * 100 + i) }]),
    ),
    log: (service, line) => {
      if (Date.now() >= t0) logs.add(NAMESPACES.shop, service, Date.now() - t0, line);
    },
  });
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  const timers: NodeJS.Timeout[] = [];
  // Each service's replicas: one process, or `podFaults.replicas` for the replicated service.
  const replicaUrls: Record<string, string[]> = Object.fromEntries(services.map((s) => [s, [shop.urls[s]]]));
  const replicas: Record<string, LocalReplica[]> = {};
  const seedOf = (service: string, replica: number) =>
    String(o.seed * 100 + services.indexOf(service) * 10 + replica);
  const restart = async (service: string, i: number) => {
    const replica = replicas[service][i];
    const url = replicaUrls[service][i];
    replica.ready = false;
    doubles.setServing(service, i, false);
    await sleep(DRAIN_MS);
    const metricsPort = new URL(shop.metricsUrl(url)).port;
    await shop.kill(url);
    await shop.extra(service, Number(new URL(url).port), {
      FAULT_SEED: seedOf(service, i),
      METRICS_PORT: metricsPort,
    });
    doubles.setServing(service, i, true);
    replica.ready = true;
  };
  const actuator = new LocalShopRemediation(
    { replicas: (service) => replicas[service] ?? [], restart },
    () => Date.now() - t0,
  );
  try {
    if (o.podFaults !== undefined)
      for (let i = 1; i < o.podFaults.replicas; i++)
        replicaUrls[o.podFaults.service].push(
          await shop.extra(o.podFaults.service, await freePort(), {
            FAULT_SEED: seedOf(o.podFaults.service, i),
          }),
        );
    for (const s of services)
      replicas[s] = replicaUrls[s].map((_, i) => ({ pod: doubles.podOf(s, i), ready: true }));
    for (const s of SHOP_SERVICES) await doubles.start(s, s.port + offset, replicaUrls[s.name]);
    const rules = stringify({ groups: [recordingRules(NAMESPACES.shop), sloAlertRules(SHOP_SERVICES)] });
    const appTargets = services.flatMap((s) => replicaUrls[s].map((u) => new URL(shop.metricsUrl(u)).host));
    prometheus = await startPrometheus([await doubles.serveMetrics(), ...appTargets], o.scrapeS, { rules });
    const source = new PrometheusSource({ url: prometheus.url, timeoutMs: 10_000 });
    const queries = signalQueries(NAMESPACES.shop, 4 * o.scrapeS);
    const perPod = podQueries(NAMESPACES.shop, 4 * o.scrapeS);
    const target = `http://127.0.0.1:${servicePort("frontend") + offset}`;
    const catalog = (await (await fetch(`${target}/api/products`)).json()) as { items: { id: string }[] };
    o.log(
      `aiops: shop at ${target}, Prometheus at ${prometheus.url}; ${schedule.length} faults over ${Math.round(endMs / 60_000)} min (warm-up ${Math.round(o.warmupMs / 60_000)} min), call graph ${callEdges().join(" ")}`,
    );

    const setKnobs = async (f: Fault, knobs: object) => {
      const targets = f.replica !== undefined ? [f.replica] : replicaUrls[f.service].map((_, i) => i);
      for (const i of targets) {
        // A replica restarting comes back with healthy knobs; nothing to set on it.
        if (!replicas[f.service][i].ready) continue;
        const res = await fetch(`${shop.metricsUrl(replicaUrls[f.service][i])}/faults`, {
          method: "PUT",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(knobs),
        });
        if (res.status !== 200)
          throw new Error(`PUT /faults on ${f.service} answered ${res.status}: ${await res.text()}`);
      }
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
            `aiops: +${Math.round(f.startMs / 1000)} s fault ${f.id}: ${f.kind} in ${f.replica !== undefined ? `${doubles.podOf(f.service, f.replica)} (remediation ${f.arm === "act" ? "on" : "off"})` : f.service} ${JSON.stringify(f.knobs)}`,
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
    const alarms = { ours: [] as (Alarm & { id: number })[], baseline: [] as (Alarm & { id: number })[] };
    const flagged: LiveRun["flagged"][number][] = [];
    const summaries: IncidentSummary[] = [];
    let failedSteps = 0;
    let firstError: string | undefined;
    // Remediation as the controller runs it: act, but observe while a pod fault of the "none" arm
    // (and the quiet after it) is the latest fault.
    const specOf = (mode: "act" | "observe") => {
      const v = validateAIOpsPolicy({
        mode,
        services: Object.fromEntries(Object.entries(CALL_GRAPH).map(([name, calls]) => [name, { calls }])),
        remediation: {
          allowed: ["restart-pod"],
          verifySeconds: Math.max(30, 8 * o.scrapeS),
          cooldownSeconds: Math.round(o.healthyMs[0] / 1000),
        },
      });
      if (!v.valid) throw new Error(`the benchmark's AIOpsPolicy is invalid: ${JSON.stringify(v.problems)}`);
      return v.spec;
    };
    const specs = { act: specOf("act"), observe: specOf("observe") };
    const audit: AiopsAuditRecord[] = [];
    const runner = new RemediationRunner(actuator, (line) => audit.push(line));
    const watched = o.podFaults?.service;
    const severities: SeverityReading[] = [];
    const proposed = new Map<number, string>();

    for (let tMs = stepMs; tMs <= endMs; tMs += stepMs) {
      const wait = t0 + tMs - Date.now();
      if (wait > 0) await sleep(wait);
      const atMs = Date.now();
      const [read, podRead, alerts] = await Promise.all([
        readSignals(source, services, queries, atMs),
        readPodSignals(source, services, perPod, atMs),
        source
          .query(
            "alerts",
            'ALERTS{alertstate="firing",alertname=~"ShopErrorBudget.*|ShopLatencyObjectiveBreached"}',
            atMs,
          )
          .catch((e: Error) => e),
      ]);
      const errors = [
        ...read.errors,
        ...podRead.errors,
        ...(alerts instanceof Error ? [alerts.message] : []),
      ];
      if (errors.length > 0) {
        failedSteps++;
        firstError ??= errors[0];
      }
      // The run's clock, from the start of the load: every method sees the same readings.
      const snapshot = { atMs: tMs, services: read.snapshot.services };
      const a = ours.step(snapshot);
      const b = baselineOnly.step(snapshot);
      // An alarm is what the reconciler announces, when it announces it: an open incident whose
      // ranking has settled. One merged away or closed before that never paged anyone.
      for (const [list, tracker] of [
        [alarms.ours, ours.tracker],
        [alarms.baseline, baselineOnly.tracker],
      ] as const)
        for (const i of tracker.openIncidents)
          if (i.firstSettledSuspects !== undefined && !list.some((x) => x.id === i.id))
            list.push({ id: i.id, openedAtMs: tMs, suspects: i.firstSettledSuspects.map((x) => x.service) });
      const s = sigma.step(snapshot);
      sigmaEpisodes.step(
        tMs,
        s.filter((v) => v.anomalous).map((v) => v.service),
      );
      const firing = alerts instanceof Error ? [] : [...new Set(alerts.map((x) => x.metric.service))].sort();
      burnEpisodes.step(tMs, firing);
      const verdicts = new Map(a.verdicts.map((v) => [v.service, v]));
      if (watched !== undefined) {
        const v = verdicts.get(watched);
        severities.push({
          tMs,
          severity:
            v === undefined || v.state === "unreadable" || v.state === "learning"
              ? undefined
              : v.symptomSeverity,
        });
      }
      const latest = [...schedule].reverse().find((f) => f.startMs <= tMs);
      const remedied = await runner.step({
        policy: BENCH_POLICY,
        spec: latest?.arm === "none" ? specs.observe : specs.act,
        verdicts,
        openIncidents: ours.tracker.openIncidents,
        pods: podRead.pods,
        telemetryErrors: errors.length,
        nowMs: tMs,
        notify: async (reason, _type, message) =>
          o.log(`aiops: +${Math.round(tMs / 1000)} s ${reason}: ${message}`),
      });
      for (const [id, list] of remedied.proposals) {
        const text = list.map((p) => `${p.detail} (${p.reason})`).join("; ");
        // Logged when what is proposed changes, not when its figures move.
        const gist = text.replace(/[\d.]+/g, "#");
        if (text !== "" && proposed.get(id) !== gist)
          o.log(`aiops: +${Math.round(tMs / 1000)} s incident ${id} proposals: ${text}`);
        proposed.set(id, gist);
      }
      // Each summary as first announced; an incident never announced has none.
      for (const incident of ours.tracker.openIncidents) {
        if (incident.settledSuspects === undefined || summaries.some((x) => x.id === incident.id)) continue;
        const from = incident.openedAtMs - 2 * stepMs;
        const { templates } = await logEvidence(
          logs,
          NAMESPACES.shop,
          incident.services,
          { fromMs: from, toMs: tMs },
          Math.min(10 * 60_000, from),
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
    await actuator.settle();
    if (knobErrors.length > 0) throw new Error(`the fault knobs failed: ${knobErrors[0]}`);
    if (actuator.failures.length > 0) throw new Error(`a restart failed: ${actuator.failures[0]}`);
    const recovery: Recovery[] = schedule.flatMap((f) => {
      if (f.arm === undefined || f.replica === undefined) return [];
      const untilMs = schedule.find((g) => g.startMs > f.startMs)?.startMs ?? endMs;
      const ttrMs = timeToRecovery(f.startMs, severities, { untilMs });
      return [
        {
          fault: f.id,
          arm: f.arm,
          pod: doubles.podOf(f.service, f.replica),
          kind: f.kind,
          faultMs: f.endMs - f.startMs,
          ...(ttrMs !== undefined ? { ttrMs } : {}),
          restarts: actuator.restarts
            .filter((r) => r.fromMs >= f.startMs && r.fromMs < untilMs)
            .map((r) => ({
              pod: r.pod,
              afterMs: r.fromMs - f.startMs,
              ...(r.toMs !== undefined ? { outMs: r.toMs - r.fromMs } : {}),
            })),
        },
      ];
    });

    const labelled: LabelledFault[] = [];
    for (const f of schedule) labelled.push({ ...f, breachedSlo: await breached(source, f, t0) });
    // Judged on what the first notification said, not on a later update.
    const toAlarm = ({ openedAtMs, suspects }: Alarm): Alarm => ({ openedAtMs, suspects });
    return {
      faults: labelled,
      schedule,
      warmupMs: o.warmupMs,
      endMs,
      alarms: {
        meshpilot: alarms.ours.map(toAlarm),
        "meshpilot-baseline-only": alarms.baseline.map(toAlarm),
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
      recovery,
      remediation: audit,
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    await actuator.settle();
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
