/**
 * Predictive autoscaling in the controller, against the API double through the real client: the
 * floor it writes on an HPA ahead of a daily peak the history shows, Git's values recorded and put
 * back (intent deleted, back to observe), observe mode writing nothing, missing telemetry freezing
 * the floor and handing scale-up back to the HPA, and an invalid spec changing nothing.
 *
 * The forecaster is seasonal naive so every figure can be worked out by hand: the history says the
 * destination serves 100 rps, and 600 rps for half an hour from T0 every day. The test starts two
 * minutes before T0; catalog's v1 serves half the load on 2 replicas at 50% CPU, so one replica
 * serves 50 rps at 100%, and 300 rps at the HPA's 70% target plus its 10% tolerance needs
 * ceil(300 / 38.5) = 8 replicas; the step limit of 4 makes the first floor 2 + 4 = 6.
 */
import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { GIT_FLOOR_ANNOTATION } from "../../api/optimizer.js";
import { hpaObject } from "../testbed/fixtures.js";
import { APP, type Harness, NS, optimizerHarness } from "../testbed/optimizer-harness.js";
import { type Script, ScriptedTelemetry } from "../testbed/scripted-telemetry.js";

jest.setTimeout(30_000);

const DAY = 86_400_000;
const T0 = Date.parse("2026-03-02T12:00:00Z");
const HPA = `${APP}-v1`;
const daily = (_host: string, atMs: number) => ((((atMs - T0) % DAY) + DAY) % DAY < 30 * 60_000 ? 600 : 100);
const steady: Script = () => ({ v1: { p99Ms: 50, rps: 50 }, v2: { p99Ms: 50, rps: 50 } });

const autoscaling = (mode: "observe" | "act", hpas: Record<string, string> = { v1: HPA }) => ({
  mode: "observe" as const,
  algorithm: "hold" as const,
  autoscaling: { mode, forecaster: "seasonal-naive" as const, horizontalPodAutoscalers: hpas },
});

type HpaView = {
  metadata: { annotations?: Record<string, string> };
  spec: {
    minReplicas: number;
    maxReplicas: number;
    behavior: { scaleUp: { stabilizationWindowSeconds?: number } };
  };
};
type StatusView = {
  autoscaling?: {
    mode: string;
    forecastRps?: number;
    explanation: string;
    subsets: Record<string, { minReplicas: number; gitMinReplicas: number; explanation: string }>;
  };
};

let h: Harness | undefined;
let clock = T0 - 2 * 60_000;
afterEach(async () => {
  await h?.close();
  h = undefined;
  clock = T0 - 2 * 60_000;
});

async function start(spec: ReturnType<typeof autoscaling>, script: Script = steady): Promise<Harness> {
  const harness = await optimizerHarness(new ScriptedTelemetry(script, daily), spec, {
    now: () => clock,
    autoscalingStepMs: 60_000,
  });
  harness.api.put(
    hpaObject(NS, HPA, { min: 2, max: 10, targetPercent: 70, current: 2, utilizationPercent: 50 }),
    "argocd-controller",
  );
  await harness.settled();
  return harness;
}

const hpa = (harness: Harness) =>
  harness.api.get("autoscaling/v2", "HorizontalPodAutoscaler", NS, HPA) as unknown as HpaView;
const status = (harness: Harness) => (harness.intent().status as StatusView | undefined)?.autoscaling;
const hpaWrites = (harness: Harness) => harness.api.writes("horizontalpodautoscalers");

async function step(harness: Harness): Promise<void> {
  await harness.step();
  await harness.settled();
  clock += 60_000;
}

describe("predictive autoscaling against the API double", () => {
  test("act: raises the floor ahead of the daily peak, records Git's values and restores them when the intent is deleted", async () => {
    h = await start(autoscaling("act"));
    await step(h);
    const written = hpa(h);
    expect(written.spec.minReplicas).toBe(6);
    expect(written.spec.maxReplicas).toBe(10);
    // The HPA's scale-up waits for the scaler's next reading (a step and a scrape).
    expect(written.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(75);
    expect(JSON.parse(written.metadata.annotations?.[GIT_FLOOR_ANNOTATION] ?? "{}")).toEqual({
      intent: APP,
      minReplicas: 2,
      scaleUpWindowSeconds: 0,
    });
    expect(status(h)).toMatchObject({ mode: "act", forecastRps: 600 });
    expect(status(h)?.subsets.v1).toMatchObject({ minReplicas: 6, gitMinReplicas: 2 });
    expect(status(h)?.subsets.v1.explanation).toContain("minReplicas 2 → 6");
    expect(status(h)?.subsets.v1.explanation).toContain("8 replicas at 77% of 50.0 rps each");
    expect(status(h)?.subsets.v1.explanation).toContain("step limited to +4");
    expect(h.events("ScaledAhead").map((e) => e.message)).toEqual([
      expect.stringContaining(`${HPA}: minReplicas 2 → 6`),
    ]);

    // The next step reaches the need.
    await step(h);
    expect(hpa(h).spec.minReplicas).toBe(8);

    // Deleting the intent waits on the finalizer until Git's values are back.
    h.api.remove("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, APP);
    await h.settled();
    await step(h);
    const restored = hpa(h);
    expect(restored.spec.minReplicas).toBe(2);
    expect(restored.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(restored.metadata.annotations?.[GIT_FLOOR_ANNOTATION]).toBeUndefined();
    expect(h.intent()).toBeUndefined();
    // No restore failed (say, a second one from a stale cache, refused as a conflict).
    expect(h.warnings.filter((w) => w.includes("HPA"))).toEqual([]);
  });

  test("observe: explains the floor it would set, in status and an Event, and writes no HPA", async () => {
    h = await start(autoscaling("observe"));
    await step(h);
    await step(h);
    expect(hpaWrites(h)).toEqual([]);
    expect(hpa(h).spec.minReplicas).toBe(2);
    expect(status(h)?.subsets.v1.minReplicas).toBe(8);
    expect(status(h)?.subsets.v1.explanation).toMatch(/^would set minReplicas 6 → 8/);
    expect(h.events("ScalingRecommended")).toHaveLength(2);
  });

  test("going back to observe puts Git's values back", async () => {
    h = await start(autoscaling("act"));
    await step(h);
    expect(hpa(h).spec.minReplicas).toBe(6);
    const intent = h.intent() as { spec: Record<string, unknown> } & Record<string, unknown>;
    h.api.put({ ...intent, spec: { ...intent.spec, ...autoscaling("observe") } });
    await h.settled();
    await step(h);
    expect(hpa(h).spec.minReplicas).toBe(2);
    expect(hpa(h).metadata.annotations?.[GIT_FLOOR_ANNOTATION]).toBeUndefined();
  });

  test("an HPA whose CPU target was taken away is reported, not planned for, and still gets Git's values back", async () => {
    h = await start(autoscaling("act"));
    await step(h);
    expect(hpa(h).spec.minReplicas).toBe(6);
    const edited = h.api.get("autoscaling/v2", "HorizontalPodAutoscaler", NS, HPA) as unknown as {
      spec: Record<string, unknown>;
    };
    h.api.put({ ...edited, spec: { ...edited.spec, metrics: [] } }, "argocd-controller");
    await h.settled();
    await step(h);
    expect(status(h)?.explanation).toContain(
      `HorizontalPodAutoscaler ${HPA} has no CPU averageUtilization target`,
    );
    h.api.remove("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, APP);
    await h.settled();
    await step(h);
    expect(hpa(h).spec.minReplicas).toBe(2);
    expect(hpa(h).metadata.annotations?.[GIT_FLOOR_ANNOTATION]).toBeUndefined();
    expect(h.intent()).toBeUndefined();
  });

  test("missing telemetry freezes the floor at its last value and gives the HPA its own scale-up back", async () => {
    let stale = false;
    h = await start(autoscaling("act"), (host, interval) => (stale ? undefined : steady(host, interval)));
    await step(h);
    expect(hpa(h).spec.minReplicas).toBe(6);
    stale = true;
    await step(h);
    expect(hpa(h).spec.minReplicas).toBe(6);
    expect(hpa(h).spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(status(h)?.subsets.v1.explanation).toBe(
      "telemetry missing: minReplicas held at 6; the HPA acts alone above it",
    );
  });

  test("an autoscaling spec naming no subset of the DestinationRule is reported and changes nothing", async () => {
    h = await start(autoscaling("act", { v3: `${APP}-v3` }));
    await step(h);
    expect(hpaWrites(h)).toEqual([]);
    const invalid = h.intent().status?.conditions.find((c) => c.type === "Invalid");
    expect(invalid).toMatchObject({ status: "True" });
    expect(invalid?.message).toContain("spec.autoscaling.horizontalPodAutoscalers.v3: names no subset");
  });
});
