/**
 * The AIOps controller in the optimizer's process, against the Kubernetes API double through the
 * real @kubernetes/client-node: observe mode end to end (learning, an incident opened with its
 * suspect and summary as an Event and in status, resolved), an invalid policy, a paused one, and
 * missing telemetry. Signals are replayed snapshots (ReplaySignalSource), stepped by hand.
 */
import { AIOPS_API_VERSION, AIOPS_KIND } from "../../api/aiops/schema.js";
import { Random } from "../../common/random.js";
import type { SignalRead } from "../aiops/prometheus-signals.js";
import type { SignalSource } from "../aiops/signal-source.js";
import type { Readings, Snapshot } from "../aiops/signals.js";
import { healthyReadings } from "../aiops/step-cost.js";
import { type Harness, NS, optimizerHarness } from "../testbed/optimizer-harness.js";
import { ScriptedTelemetry } from "../testbed/scripted-telemetry.js";

const INTERVAL_MS = 15_000;
const SERVICES = { checkout: { calls: ["payments"] }, payments: { calls: [] } };

/** Replays readings by step; counts reads, so a test can show nothing was read. */
class SteppedSignals implements SignalSource {
  reads = 0;
  constructor(private readonly at: (step: number) => Record<string, Readings>) {}
  async read(_ns: string, services: readonly string[], _w: number, atMs: number): Promise<SignalRead> {
    this.reads++;
    const all = this.at(Math.round(atMs / INTERVAL_MS));
    const snapshot: Snapshot = { atMs, services: Object.fromEntries(services.map((s) => [s, all[s] ?? {}])) };
    return { snapshot, errors: [] };
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
  incidents?: { id: number; suspect?: string; summary?: string; closedAt?: string; services: string[] }[];
}

describe("the AIOps controller", () => {
  let h: Harness;
  let clock = 0;
  const start = async (source: SignalSource, spec: Record<string, unknown>) => {
    clock = 0;
    h = await optimizerHarness(
      new ScriptedTelemetry(() => undefined),
      {},
      { signalSource: source, now: () => clock },
    );
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
  afterEach(async () => h?.close(), 10_000);

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
    await start(source, { services: SERVICES, detection: { warmupReadings: 20 } });
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
