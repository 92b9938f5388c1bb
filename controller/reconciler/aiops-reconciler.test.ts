/**
 * The AIOps controller in the optimizer's process, against the Kubernetes API double through the
 * real @kubernetes/client-node: observe mode end to end (learning, an incident opened with its
 * suspect and summary as an Event and in status, resolved), act mode (the one bad pod evicted,
 * checked, Events and audit lines; the kill switch giving a floor back), an invalid policy, a
 * paused one, and missing telemetry. Signals are replayed snapshots, stepped by hand.
 */

import { createServer, type Server } from "node:http";
import { AIOPS_API_VERSION, AIOPS_KIND } from "../../api/aiops/schema.js";
import { OVERRIDES_ANNOTATION } from "../../api/intent/overrides.js";
import { GIT_FLOOR_ANNOTATION } from "../../api/optimizer.js";
import { Random } from "../../common/random.js";
import type { PodSignals } from "../aiops/pod-outliers.js";
import type { SignalRead } from "../aiops/prometheus-signals.js";
import type { SignalSource } from "../aiops/signal-source.js";
import type { Readings, Snapshot } from "../aiops/signals.js";
import { healthyReadings } from "../aiops/step-cost.js";
import type { OptimizerConfig } from "../optimizer.js";
import { applicationObject, deploymentObject, hpaObject, podObject } from "../testbed/fixtures.js";
import { LokiApiDouble } from "../testbed/loki-api-double.js";
import { type Harness, NS, optimizerHarness } from "../testbed/optimizer-harness.js";
import { ScriptedTelemetry } from "../testbed/scripted-telemetry.js";

const INTERVAL_MS = 15_000;
const SERVICES = { checkout: { calls: ["payments"] }, payments: { calls: [] } };

/** Replays readings by step; counts reads, so a test can show nothing was read. */
class SteppedSignals implements SignalSource {
  reads = 0;
  constructor(
    private readonly at: (step: number) => Record<string, Readings>,
    private readonly pods: (step: number) => Record<string, PodSignals[]> = () => ({}),
  ) {}
  async read(_ns: string, services: readonly string[], _w: number, atMs: number): Promise<SignalRead> {
    this.reads++;
    const step = Math.round(atMs / INTERVAL_MS);
    const all = this.at(step);
    const snapshot: Snapshot = { atMs, services: Object.fromEntries(services.map((s) => [s, all[s] ?? {}])) };
    return { snapshot, errors: [], pods: this.pods(step) };
  }
}

/** Stepped signals with a past: Prometheus' range queries, as a start reads them. */
class SignalsWithHistory extends SteppedSignals {
  asked: { fromMs: number; toMs: number; stepMs: number }[] = [];
  constructor(
    at: (step: number) => Record<string, Readings>,
    private readonly fails = false,
  ) {
    super(at);
    this.past = at;
  }
  private readonly past: (step: number) => Record<string, Readings>;
  async history(
    _ns: string,
    services: readonly string[],
    _w: number,
    range: { fromMs: number; toMs: number; stepMs: number },
  ) {
    this.asked.push(range);
    if (this.fails) throw new Error("Prometheus is down");
    const snapshots: Snapshot[] = [];
    for (let t = range.fromMs; t < range.toMs; t += range.stepMs) {
      const all = this.past(Math.round(t / INTERVAL_MS));
      snapshots.push({ atMs: t, services: Object.fromEntries(services.map((s) => [s, all[s] ?? {}])) });
    }
    return { snapshots, errors: [] };
  }
}

const policy = (spec: Record<string, unknown>) => ({
  apiVersion: AIOPS_API_VERSION,
  kind: AIOPS_KIND,
  metadata: { name: "shop", namespace: NS },
  spec,
});

interface PolicyStatus {
  conditions: { type: string; status: string; reason: string; message: string }[];
  openIncidents?: number;
  services?: { name: string; state: string }[];
  incidents?: {
    id: number;
    suspect?: string;
    summary?: string;
    closedAt?: string;
    services: string[];
    proposals?: { action: string; detail: string; reason: string }[];
  }[];
  actions?: { incident: number; action: string; target: string; verdict?: string }[];
}

describe("the AIOps controller", () => {
  let h: Harness;
  let clock = 0;
  /** `before` puts what the cluster holds before the policy is seen. */
  const start = async (
    source: SignalSource,
    spec: Record<string, unknown>,
    before?: (h: Harness) => void,
    config: Partial<OptimizerConfig> = {},
  ) => {
    clock = 0;
    h = await optimizerHarness(
      new ScriptedTelemetry(() => undefined),
      {},
      { signalSource: source, now: () => clock, ...config },
    );
    before?.(h);
    h.api.put(policy(spec));
    const wanted = () =>
      (h.api.get(AIOPS_API_VERSION, AIOPS_KIND, NS, "shop") as { metadata: { resourceVersion: string } })
        .metadata.resourceVersion;
    for (let polls = 0; h.optimizer.aiops.cachedVersion(NS, "shop") !== wanted(); polls++) {
      if (polls > 2000) throw new Error("the AIOps cache never saw the policy");
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const step = async () => {
    clock += INTERVAL_MS;
    await h.optimizer.aiops.reconcile();
  };
  const status = () =>
    (h.api.get(AIOPS_API_VERSION, AIOPS_KIND, NS, "shop") as { status?: PolicyStatus })
      .status as PolicyStatus;
  /** Servers a test started besides the harness, stopped after it whatever happens. */
  const cleanups: (() => Promise<void>)[] = [];
  const afterThis = (cleanup: () => Promise<void>) => cleanups.push(cleanup);
  afterEach(async () => {
    await h?.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  }, 10_000);

  it("learns, then opens one incident for a failing callee and its caller, names the callee, and resolves it; it changes nothing", async () => {
    const r = new Random(1);
    const faultFrom = 30;
    const faultTo = 36;
    const source = new SteppedSignals((i) => {
      const checkout = healthyReadings(r);
      const payments = healthyReadings(r);
      if (i < faultFrom || i >= faultTo) return { checkout, payments };
      return {
        checkout: { ...checkout, p99Ms: 2000, errorRatio: 0.1 },
        payments: { ...payments, errorRatio: 0.3 },
      };
    });
    // payments' own lines in Loki: requests served, then, from the fault on, a new error.
    const loki = new LokiApiDouble();
    const lokiUrl = await loki.listen();
    afterThis(() => loki.close());
    const labels = { namespace: NS, app: "payments", container: "payments" };
    for (let t = 0; t < (faultTo + 10) * INTERVAL_MS; t += 1000) {
      loki.push(labels, t, JSON.stringify({ msg: "request completed", res: { statusCode: 200 } }));
      if (t >= faultFrom * INTERVAL_MS && t < faultTo * INTERVAL_MS)
        loki.push(
          labels,
          t,
          JSON.stringify({ msg: "charge failed", err: { message: `card network timeout ${t}` } }),
        );
    }
    await start(source, { services: SERVICES, detection: { warmupReadings: 20 } }, undefined, {
      aiopsLokiUrl: lokiUrl,
    });
    // A change to payments a minute before the fault, as the traffic optimizer's write records it.
    h.optimizer.changes.record({
      atMs: (faultFrom - 4) * INTERVAL_MS,
      service: "payments",
      kind: "optimizer",
      description: "the optimizer's change of shop/payments's routing to v1 70%, v2 30%",
    });
    await step();
    expect(status().conditions[0]).toMatchObject({ type: "Ready", status: "True", reason: "Learning" });
    while (clock / INTERVAL_MS < faultFrom) await step();
    expect(status().conditions[0].reason).toBe("Watching");
    expect(status().openIncidents).toBe(0);
    for (let i = 0; i < 4; i++) await step();
    expect(status().openIncidents).toBe(1);
    const opened = h.events("IncidentOpened");
    expect(opened).toHaveLength(1);
    expect(opened[0].type).toBe("Warning");
    expect(opened[0].message).toContain("Suspected cause: payments (no affected callee; explains checkout)");
    expect(opened[0].message).toContain(
      "- recent change: the optimizer's change of shop/payments's routing to v1 70%, v2 30% (optimizer,",
    );
    expect(opened[0].message).toMatch(/- payments logs: new "charge failed card network timeout <\*>" ×\d+/);
    expect(loki.queries.map((q) => q.get("query"))).toContain(
      '{namespace="shop", app="payments", container!="istio-proxy"}',
    );
    expect(status().incidents?.[0]).toMatchObject({ id: 1, suspect: "payments" });
    while (clock / INTERVAL_MS < faultTo + 6) await step();
    expect(status().openIncidents).toBe(0);
    expect(status().incidents?.[0].closedAt).toBeDefined();
    expect(h.events("IncidentResolved")).toHaveLength(1);
    expect(h.events("IncidentOpened")).toHaveLength(1);
    // Observe mode: the routing Git declared is untouched.
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    expect(h.warnings.filter((w) => w.includes("AIOps") || w.includes("AIOpsPolicy"))).toEqual([]);
  }, 30_000);

  it("announces the incident again when a callee's later fault becomes the first suspect, and resolves it naming that callee", async () => {
    const r = new Random(3);
    const slowFrom = 30;
    const faultFrom = 35;
    const faultTo = 42;
    const source = new SteppedSignals((i) => {
      const checkout = healthyReadings(r);
      const payments = healthyReadings(r);
      if (i < slowFrom || i >= faultTo) return { checkout, payments };
      // checkout slows on its own first; payments' errors begin five readings later.
      const slow = { ...checkout, p99Ms: 2000 };
      if (i < faultFrom) return { checkout: slow, payments };
      return { checkout: { ...slow, errorRatio: 0.1 }, payments: { ...payments, errorRatio: 0.3 } };
    });
    await start(source, { services: SERVICES, detection: { warmupReadings: 20 } });
    while (clock / INTERVAL_MS < faultFrom) await step();
    const opened = h.events("IncidentOpened");
    expect(opened).toHaveLength(1);
    expect(opened[0].message).toContain("Suspected cause: checkout");
    expect(h.events("IncidentUpdated")).toHaveLength(0);
    for (let i = 0; i < 6; i++) await step();
    const updated = h.events("IncidentUpdated");
    expect(updated).toHaveLength(1);
    expect(updated[0].type).toBe("Warning");
    expect(updated[0].message).toContain("Incident 1:");
    expect(updated[0].message).toContain("Suspected cause: payments (no affected callee; explains checkout)");
    expect(status().incidents?.[0]).toMatchObject({ id: 1, suspect: "payments" });
    while (clock / INTERVAL_MS < faultTo + 6) await step();
    expect(h.events("IncidentOpened")).toHaveLength(1);
    expect(h.events("IncidentUpdated")).toHaveLength(1);
    const resolved = h.events("IncidentResolved");
    expect(resolved).toHaveLength(1);
    expect(resolved[0].message).toContain("Suspected cause: payments");
  }, 30_000);

  it("merges the incident a callee opened into its caller's once the service between them turns bad, resolving it as merged", async () => {
    const r = new Random(4);
    const services = { frontend: { calls: ["checkout"] }, ...SERVICES };
    const source = new SteppedSignals((i) => {
      const all = {
        frontend: healthyReadings(r),
        checkout: healthyReadings(r),
        payments: healthyReadings(r),
      };
      if (i >= 30) all.frontend = { ...all.frontend, p99Ms: 2000 };
      if (i >= 35) all.payments = { ...all.payments, errorRatio: 0.3 };
      if (i >= 40) all.checkout = { ...all.checkout, errorRatio: 0.1 };
      return all;
    });
    await start(source, { services, detection: { warmupReadings: 20 } });
    while (clock / INTERVAL_MS < 40) await step();
    // Two incidents so far: payments is not next to frontend, and checkout looks healthy.
    expect(h.events("IncidentOpened").map((e) => e.message.split(":")[0])).toEqual([
      "Incident 1",
      "Incident 2",
    ]);
    while (clock / INTERVAL_MS < 46) await step();
    const merged = h.events("IncidentMerged");
    expect(merged).toHaveLength(1);
    expect(merged[0].type).toBe("Normal");
    expect(merged[0].message).toMatch(/^Incident 2: payments anomalous since .*, merged into incident 1 at /);
    const updated = h.events("IncidentUpdated");
    expect(updated).toHaveLength(1);
    expect(updated[0].message).toContain("Suspected cause: payments");
    expect(status().openIncidents).toBe(1);
    expect(status().incidents?.[0]).toMatchObject({ id: 1, suspect: "payments" });
    expect(status().incidents?.[0].services).toEqual(["frontend", "checkout", "payments"]);
    expect(h.events("IncidentResolved")).toHaveLength(0);
  }, 30_000);

  it("ranks a Deployment changed just before the fault with the Git revision Argo CD synced, and proposes reverting exactly that", async () => {
    const r = new Random(2);
    const faultFrom = 30;
    const source = new SteppedSignals((i) => {
      const checkout = healthyReadings(r);
      const payments = healthyReadings(r);
      if (i < faultFrom) return { checkout, payments };
      return { checkout: { ...checkout, errorRatio: 0.1 }, payments: { ...payments, errorRatio: 0.3 } };
    });
    const old = deploymentObject(NS, "payments", "v1", "payments:1.0.0");
    await start(
      source,
      { services: SERVICES, detection: { warmupReadings: 20 } },
      (harness) => {
        harness.api.put({ ...old, metadata: { ...old.metadata, creationTimestamp: "1969-12-01T00:00:00Z" } });
        harness.api.put(applicationObject("argocd", "shop", []));
      },
      { aiopsArgoApplication: { namespace: "argocd", name: "shop" } },
    );
    while (clock / INTERVAL_MS < faultFrom - 3) await step();
    // Argo CD syncs revision c0ffee1, which gives payments a new image, 45 s before the fault.
    const current = h.api.get("apps/v1", "Deployment", NS, "payments-v1") as { metadata: object };
    h.api.put({ ...deploymentObject(NS, "payments", "v1", "payments:1.1.0"), metadata: current.metadata });
    h.api.put(
      applicationObject("argocd", "shop", [
        { revision: "c0ffee1", deployedAt: new Date(clock).toISOString() },
      ]),
    );
    while (clock / INTERVAL_MS < faultFrom + 4) await step();
    const opened = h.events("IncidentOpened");
    expect(opened).toHaveLength(1);
    expect(opened[0].message).toContain(
      "- recent change: Deployment payments-v1: image payments:1.0.0 → payments:1.1.0, synced from Git revision c0ffee1",
    );
    expect(status().incidents?.[0].proposals).toContainEqual(
      expect.objectContaining({
        action: "propose-revert",
        detail: "git revert c0ffee1 (apps/shop), then let Argo CD sync; Meshpilot never pushes",
      }),
    );
  }, 30_000);

  it("in act mode evicts the one pod telemetry singles out, says so everywhere, and judges it afterwards", async () => {
    const r = new Random(3);
    const faultFrom = 30;
    const bad = "payments-v1-2";
    const faulty = (i: number) => i >= faultFrom && i < faultFrom + 14;
    const source = new SteppedSignals(
      (i) => {
        const checkout = healthyReadings(r);
        const payments = healthyReadings(r);
        // One pod of four fails everything: a quarter of payments' requests, until it is gone.
        const evicted = h.api.evictions.length > 0;
        if (!faulty(i) || evicted) return { checkout, payments };
        return { checkout: { ...checkout, errorRatio: 0.2 }, payments: { ...payments, errorRatio: 0.25 } };
      },
      (i) => ({
        payments: [0, 1, 2, 3].map((n) => ({
          pod: `payments-v1-${n}`,
          rps: 10,
          errorRatio: faulty(i) && h.api.evictions.length === 0 && n === 2 ? 1 : 0,
        })),
      }),
    );
    await start(source, {
      mode: "act",
      services: SERVICES,
      detection: { warmupReadings: 20 },
      remediation: { verifySeconds: 60 },
    });
    for (const n of [0, 1, 2, 3])
      h.api.put({
        ...podObject(NS, "payments", `payments-v1-${n}`, "v1"),
        status: { conditions: [{ type: "Ready", status: "True" }] },
      });
    while (clock / INTERVAL_MS < faultFrom + 6) await step();
    expect(h.api.evictions).toEqual([`${NS}/${bad}`]);
    const applied = h.events("RemediationApplied");
    expect(applied).toHaveLength(1);
    expect(applied[0].message).toMatch(
      /^restart payments-v1-2 \(severity 20\.0\) \(incident 1: payments at symptom severity/,
    );
    expect(status().actions?.[0]).toMatchObject({ incident: 1, action: "restart-pod", target: bad });
    expect(h.events("IncidentOpened")[0].message).toContain("done: restart payments-v1-2");
    // Four steps after the eviction the symptoms are gone: the restart helped.
    while (clock / INTERVAL_MS < faultFrom + 12) await step();
    expect(status().actions?.[0].verdict).toBe("helped");
    expect(h.events("RemediationHelped")).toHaveLength(1);
    const lines = h.audit as unknown as { event?: string; action?: string; target?: string }[];
    expect(lines.filter((l) => l.action === "restart-pod").map((l) => [l.event, l.target])).toEqual([
      ["applied", bad],
      ["helped", bad],
    ]);
  }, 30_000);

  it("in act mode moves traffic off a bad new version through the traffic optimizer's override, which takes it away", async () => {
    const r = new Random(5);
    const faultFrom = 30;
    const v2Serving = () => (h.weights().v2 ?? 0) > 0;
    const faulty = (i: number) => i >= faultFrom && v2Serving();
    const source = new SteppedSignals(
      (i) => {
        const frontend = healthyReadings(r);
        const catalog = healthyReadings(r);
        if (!faulty(i)) return { frontend, catalog };
        return { frontend: { ...frontend, errorRatio: 0.15 }, catalog: { ...catalog, errorRatio: 0.3 } };
      },
      (i) => ({
        catalog: ["catalog-v1-0", "catalog-v1-1", "catalog-v2-0"].map((pod) => ({
          pod,
          rps: 10,
          errorRatio: faulty(i) && pod.includes("v2") ? 0.9 : 0,
        })),
      }),
    );
    await start(
      source,
      {
        mode: "act",
        services: { frontend: { calls: ["catalog"] }, catalog: { calls: [] } },
        detection: { warmupReadings: 20 },
        remediation: { verifySeconds: 60 },
      },
      (harness) => {
        for (const [pod, version, created] of [
          ["catalog-v1-0", "v1", "2026-11-01T00:00:00Z"],
          ["catalog-v1-1", "v1", "2026-11-01T00:00:00Z"],
          ["catalog-v2-0", "v2", "2026-12-03T09:00:00Z"],
        ]) {
          const object = podObject(NS, "catalog", pod, version);
          harness.api.put({
            ...object,
            metadata: { ...object.metadata, creationTimestamp: created },
            status: { conditions: [{ type: "Ready", status: "True" }] },
          });
        }
      },
      { metricsSource: new ScriptedTelemetry(() => ({ v1: { p99Ms: 50 }, v2: { p99Ms: 50 } })) },
    );
    const both = async () => {
      await step();
      await h.settled();
      await h.step();
    };
    while (clock / INTERVAL_MS < faultFrom + 6) await both();
    const applied = h.events("RemediationApplied");
    expect(applied).toHaveLength(1);
    expect(applied[0].message).toMatch(/^move catalog v2 from \d+% to 0%/);
    // The AIOps layer wrote an override, never the routing; the traffic optimizer enforced it.
    const intent = h.api.get(
      "optimizer.meshpilot.io/v1alpha1",
      "TrafficIntent",
      NS,
      "catalog",
    ) as unknown as {
      metadata: { annotations: Record<string, string> };
    };
    expect(JSON.parse(intent.metadata.annotations[OVERRIDES_ANNOTATION])).toEqual([
      expect.objectContaining({ kind: "cap-subset", subset: "v2", maxWeight: 0, by: "AIOpsPolicy/shop" }),
    ]);
    expect(h.weights()).toEqual({ v1: 100, v2: 0 });
    while (clock / INTERVAL_MS < faultFrom + 12) await both();
    expect(status().actions?.[0]).toMatchObject({ action: "shift-traffic", target: "v2", verdict: "helped" });
    // The kill switch: back to observe takes the override off, and the policy may route to v2 again.
    const current = h.api.get(AIOPS_API_VERSION, AIOPS_KIND, NS, "shop") as unknown as { spec: object };
    h.api.put({ ...current, spec: { ...current.spec, mode: "observe" } });
    for (
      let polls = 0;
      h.optimizer.aiops.cachedVersion(NS, "shop") !==
      (h.api.get(AIOPS_API_VERSION, AIOPS_KIND, NS, "shop") as { metadata: { resourceVersion: string } })
        .metadata.resourceVersion;
      polls++
    ) {
      if (polls > 2000) throw new Error("the AIOps cache never saw the change");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await step();
    const after = h.api.get("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, "catalog") as unknown as {
      metadata: { annotations: Record<string, string> };
    };
    expect(JSON.parse(after.metadata.annotations[OVERRIDES_ANNOTATION])).toEqual([]);
  }, 60_000);

  it("gives back, on its first visit, a floor a policy held before this process led", async () => {
    const source = new SteppedSignals(() => ({}));
    const held = hpaObject(NS, "payments-v1", { min: 4, max: 10, targetPercent: 70, current: 4 });
    await start(
      source,
      { mode: "act", services: { ...SERVICES, payments: { horizontalPodAutoscaler: "payments-v1" } } },
      (harness) =>
        harness.api.put({
          ...held,
          metadata: {
            ...held.metadata,
            annotations: {
              [GIT_FLOOR_ANNOTATION]: JSON.stringify({ intent: "AIOpsPolicy/shop", minReplicas: 2 }),
            },
          },
        }),
    );
    await step();
    const hpa = h.api.get("autoscaling/v2", "HorizontalPodAutoscaler", NS, "payments-v1") as unknown as {
      spec: { minReplicas: number };
    };
    expect(hpa.spec.minReplicas).toBe(2);
    expect(h.events("RemediationUndone")[0].message).toMatch(
      /^gave payments-v1 its minReplicas from Git back/,
    );
  }, 30_000);

  it("sends each incident, opened and resolved, to the webhook; a failing summarizer leaves the plain text, noted", async () => {
    const received: {
      status: string;
      alerts: { labels: Record<string, string>; endsAt: string }[];
      text: string;
    }[] = [];
    const servers: Server[] = [];
    const listen = async (handler: Parameters<typeof createServer>[1]) => {
      const server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    };
    const webhook = await listen((req, res) => {
      let raw = "";
      req.on("data", (c) => {
        raw += c;
      });
      req.on("end", () => {
        received.push(JSON.parse(raw));
        res.writeHead(200).end();
      });
    });
    const summarizer = await listen((_req, res) => res.writeHead(500).end());
    try {
      const r = new Random(4);
      const source = new SteppedSignals((i) => {
        const checkout = healthyReadings(r);
        const payments = healthyReadings(r);
        if (i < 30 || i >= 36) return { checkout, payments };
        return { checkout: { ...checkout, p99Ms: 2000 }, payments: { ...payments, errorRatio: 0.3 } };
      });
      await start(source, { services: SERVICES, detection: { warmupReadings: 20 } }, undefined, {
        aiopsWebhookUrl: webhook,
        aiopsSummarizerUrl: summarizer,
      });
      while (clock / INTERVAL_MS < 44) await step();
      expect(received.map((x) => x.status)).toEqual(["firing", "resolved"]);
      expect(received[0].alerts[0].labels).toEqual({
        alertname: "MeshpilotIncident",
        incident: "1",
        service: "payments",
        severity: "page",
      });
      expect(received[1].alerts[0].endsAt).not.toBe("0001-01-01T00:00:00Z");
      expect(received[0].text).toContain("Suspected cause: payments");
      expect(received[0].text).toMatch(
        /\(summarizer at 127\.0\.0\.1:\d+ failed: 127\.0\.0\.1:\d+ answered 500\)$/,
      );
      expect(h.events("IncidentOpened")[0].message).toContain("failed: ");
      expect(h.events("DeliveryFailed")).toEqual([]);
    } finally {
      await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
    }
  }, 30_000);

  it("learns from the signals' past at start, so it watches from its first step instead of learning for a warm-up", async () => {
    const r = new Random(4);
    const healthy = () => ({ checkout: healthyReadings(r), payments: healthyReadings(r) });
    const source = new SignalsWithHistory(healthy);
    await start(source, { services: SERVICES, detection: { warmupReadings: 20, retrainEveryReadings: 60 } });
    await step();
    // max(warmupReadings, min(720, retrainEveryReadings)) readings, one per interval, ending now.
    expect(source.asked).toEqual([
      { fromMs: INTERVAL_MS - 60 * INTERVAL_MS, toMs: INTERVAL_MS, stepMs: INTERVAL_MS },
    ]);
    expect(status().conditions[0]).toMatchObject({ reason: "Watching" });
    expect(status().conditions[0].message).toContain("(learned from 60 past readings at start)");
    expect(status().services?.every((s) => s.state === "healthy")).toBe(true);
  }, 30_000);

  it("without a readable past, learns from the live readings as before, and says why in its log", async () => {
    const r = new Random(4);
    const source = new SignalsWithHistory(
      () => ({ checkout: healthyReadings(r), payments: healthyReadings(r) }),
      true,
    );
    await start(source, { services: SERVICES, detection: { warmupReadings: 20 } });
    await step();
    expect(status().conditions[0]).toMatchObject({ reason: "Learning" });
    expect(h.warnings.join("\n")).toContain("the signals' history could not be read");
  }, 30_000);

  it("reports an invalid policy in its status, once, and reads no telemetry for it", async () => {
    const source = new SteppedSignals(() => ({}));
    await start(source, { services: { checkout: { calls: ["payments"] } } });
    await step();
    await step();
    const invalid = status().conditions.find((c) => c.type === "Invalid");
    expect(invalid?.status).toBe("True");
    expect(invalid?.message).toBe(
      "spec.services.checkout.calls: names payments, which is not watched; add it to spec.services",
    );
    expect(h.events("InvalidSpec")).toHaveLength(1);
    expect(source.reads).toBe(0);
  }, 30_000);

  it("evaluates nothing while paused", async () => {
    const source = new SteppedSignals(() => ({}));
    await start(source, { services: SERVICES, paused: true });
    await step();
    expect(status().conditions[0]).toMatchObject({ type: "Ready", reason: "Paused" });
    expect(source.reads).toBe(0);
  }, 30_000);

  it("says which services have no telemetry, and neither judges nor learns them", async () => {
    const r = new Random(2);
    const source = new SteppedSignals(() => ({ checkout: healthyReadings(r) }));
    await start(source, { services: SERVICES, detection: { warmupReadings: 10 } });
    for (let i = 0; i < 15; i++) await step();
    const degraded = status().conditions.find((c) => c.type === "Degraded");
    expect(degraded).toMatchObject({ status: "True", reason: "TelemetryIncomplete" });
    expect(degraded?.message).toContain("no telemetry for payments");
    expect(status().services).toEqual([
      expect.objectContaining({ name: "checkout", state: "healthy" }),
      expect.objectContaining({ name: "payments", state: "unreadable" }),
    ]);
    expect(status().openIncidents).toBe(0);
  }, 30_000);
});
