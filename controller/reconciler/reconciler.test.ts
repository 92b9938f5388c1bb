/**
 * The optimizer under faults and human intervention, each with its expected outcome: API
 * conflicts, refusals, errors and timeouts; losing the lease mid-interval; a restart mid-episode;
 * invalid intents; stale and missing telemetry; rollback; pause, edits and the kill switch.
 *
 * Everything Kubernetes goes through the real @kubernetes/client-node to the API double;
 * telemetry is scripted here (the closed-loop test runs the real Prometheus), except for the
 * Prometheus-down and Prometheus-slow cases, which use the real Prometheus source.
 */

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { OVERRIDES_ANNOTATION } from "../../api/intent/overrides.js";
import { PRETRAINED_PATH } from "../../api/optimizer.js";
import { Q_ACTIONS } from "../policy/q-learning.js";
import { importQTable } from "../policy/q-table.js";
import { APP, type Harness, NS, optimizerHarness } from "../testbed/optimizer-harness.js";
import { type Script, ScriptedTelemetry } from "../testbed/scripted-telemetry.js";

jest.setTimeout(30_000);

const slowV2: Script = () => ({ v1: { p99Ms: 50 }, v2: { p99Ms: 400 } });
const ROUTING = /\/(virtualservices|destinationrules|envoyfilters)\//;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function routingWrites(harness: Harness) {
  return harness.api.writes().filter((w) => ROUTING.test(`${w.path}/`));
}

function requestsTo(harness: Harness, method: string, fragment: string) {
  return harness.api.requests.filter((r) => r.method === method && r.path.includes(fragment));
}

/** The state ConfigMap as the double holds it. */
function savedState(harness: Harness): unknown {
  return harness.api.get("v1", "ConfigMap", "meshpilot-optimizer", "meshpilot-optimizer-state");
}

function condition(harness: Harness, type: string) {
  return harness.intent().status?.conditions.find((c) => c.type === type);
}

describe("status", () => {
  test("a quiet intent's commentary is refreshed on a period, not rewritten every interval", async () => {
    let clock = Date.parse("2026-01-01T00:00:00Z");
    // v2's p99 drifts each interval, so each interval's commentary differs from the last.
    const drifting: Script = (_host, interval) => ({ v1: { p99Ms: 50 }, v2: { p99Ms: 400 + 7 * interval } });
    h = await optimizerHarness(new ScriptedTelemetry(drifting), { mode: "observe" }, { now: () => clock });
    const statusWrites = () => requestsTo(h as Harness, "PATCH", "/trafficintents/catalog/status");
    await h.step();
    const first = h.intent().status?.lastDecision?.explanation;
    for (let i = 1; i < 10; i++) {
      clock += 1000;
      await h.step();
    }
    expect(statusWrites()).toHaveLength(1);
    clock += 1000;
    await h.step(); // ten intervals after the first write
    expect(statusWrites()).toHaveLength(2);
    expect(h.intent().status?.lastDecision).toMatchObject({
      kind: "observe",
      at: "2026-01-01T00:00:10.000Z",
    });
    expect(h.intent().status?.lastDecision?.explanation).not.toBe(first);
    // A change of substance is written at once: pausing.
    const intent = h.intent() as { spec: Record<string, unknown> } & Record<string, unknown>;
    h.api.put({ ...intent, spec: { ...intent.spec, paused: true } });
    await h.settled();
    clock += 1000;
    await h.step();
    expect(statusWrites()).toHaveLength(3);
    expect(h.intent().status?.lastDecision?.kind).toBe("paused");
  });
});

describe("writes", () => {
  test("a decision writes each object it changes once, and nothing when nothing changes", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    await h.step();
    expect(h.weights()).toEqual({ v1: 60, v2: 40 });
    expect(requestsTo(h, "PATCH", "/virtualservices/catalog")).toHaveLength(1);
    expect(requestsTo(h, "PATCH", "/destinationrules/catalog")).toHaveLength(0);
    for (let i = 0; i < 8; i++) await h.step();
    expect(h.weights()).toEqual({ v1: 95, v2: 5 });
    const before = routingWrites(h).length;
    await h.step();
    await h.step();
    expect(routingWrites(h).length).toBe(before);
    expect(h.intent().status?.weights).toEqual({ v1: 95, v2: 5 });
  });

  test("409 conflicts are retried with the object read again, and the write lands once", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    h.api.fail({ method: "PATCH", path: "/virtualservices/catalog", status: 409, times: 2 });
    await h.step();
    const patches = requestsTo(h, "PATCH", "/virtualservices/catalog");
    expect(patches.map((p) => p.status)).toEqual([409, 409, 200]);
    expect(requestsTo(h, "GET", "/virtualservices/catalog").length).toBeGreaterThanOrEqual(3);
    expect(h.weights()).toEqual({ v1: 60, v2: 40 });
  });

  test("conflicts beyond the bound give up, leave routing as it was, and say so", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    h.api.fail({ method: "PATCH", path: "/virtualservices/catalog", status: 409, times: 100 });
    await h.step();
    expect(requestsTo(h, "PATCH", "/virtualservices/catalog")).toHaveLength(4);
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    expect(condition(h, "Degraded")).toMatchObject({ status: "True", reason: "WriteFailed" });
    expect(h.events("WriteFailed")[0].message).toMatch(/VirtualService catalog: 409/);
    expect(h.audit.at(-1)).toMatchObject({ kind: "error", write: { ok: false } });
  });

  test("a failure after an earlier object was written puts that object back: never half-applied", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    h.api.forbid("patch", "envoyfilters");
    await h.step();
    const vs = requestsTo(h, "PATCH", "/virtualservices/catalog");
    expect(vs.map((p) => p.status)).toEqual([200, 200]);
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    expect(h.api.list("networking.istio.io/v1alpha3", "EnvoyFilter")).toEqual([]);
    expect(h.intent().status?.lastDecision?.explanation).toMatch(/forbidden.*earlier writes put back/);
  });

  test("403 is reported with the API server's reason and changes nothing", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    h.api.forbid("patch", "virtualservices");
    await h.step();
    expect(requestsTo(h, "PATCH", "/virtualservices/catalog").map((r) => r.status)).toEqual([403]);
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    expect(condition(h, "Degraded")?.message).toMatch(
      /403: virtualservices.networking.istio.io is forbidden/,
    );
  });

  test("a 500 is not retried in the interval; the next interval succeeds", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    h.api.fail({ method: "PATCH", path: "/virtualservices/catalog", status: 500, times: 1 });
    await h.step();
    expect(requestsTo(h, "PATCH", "/virtualservices/catalog").map((r) => r.status)).toEqual([500]);
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    await h.step();
    expect(h.weights()).toEqual({ v1: 60, v2: 40 });
    expect(condition(h, "Degraded")?.status).toBe("False");
  });

  test("an API call that hangs times out and the loop goes on", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2), {}, { apiTimeoutMs: 300 });
    h.api.fail({ method: "GET", path: "/virtualservices/catalog", delayMs: 1000, times: 1 });
    await h.step();
    expect(h.intent().status?.lastDecision?.explanation).toMatch(/timed out after 300 ms/);
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    await h.step();
    expect(h.weights()).toEqual({ v1: 60, v2: 40 });
  });
});

describe("leadership", () => {
  test("losing the lease mid-interval stops the write, the status and the events", async () => {
    const telemetry = new ScriptedTelemetry(slowV2);
    h = await optimizerHarness(telemetry);
    await h.step();
    const harness = h;
    const writesBefore = harness.api.writes().length;
    telemetry.during = async () => {
      harness.api.put({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "meshpilot-optimizer", namespace: "meshpilot-optimizer" },
        spec: {
          holderIdentity: "optimizer-1",
          leaseDurationSeconds: 15,
          renewTime: new Date().toISOString(),
        },
      });
      await harness.optimizer.elector.tryAcquireOrRenew();
    };
    await h.step();
    expect(h.optimizer.elector.isLeader()).toBe(false);
    expect(h.api.writes().length).toBe(writesBefore);
    expect(h.weights()).toEqual({ v1: 60, v2: 40 });
    const text = await h.optimizer.metrics.registry.getSingleMetricAsString("meshpilot_optimizer_leader");
    expect(text).toMatch(/meshpilot_optimizer_leader 0/);
  });

  test("a second replica follows while the first leads, and takes over when it stops", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    const second = await h.start({ podName: "optimizer-1" });
    expect(second.elector.isLeader()).toBe(false);
    await second.reconciler.reconcile();
    expect(routingWrites(h)).toHaveLength(0);
    await h.optimizer.stop();
    expect(await second.elector.tryAcquireOrRenew()).toBe(true);
    await second.reconciler.reconcile();
    expect(h.weights()).toEqual({ v1: 60, v2: 40 });
  });
});

describe("restart", () => {
  test("a restart mid-episode restores the learned state and the recorded original routing", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    for (let i = 0; i < 3; i++) await h.step();
    expect(h.weights()).toEqual({ v1: 80, v2: 20 });
    const learned = h.optimizer.reconciler.snapshot();
    await h.optimizer.stop();
    const cm = savedState(h) as { metadata: { annotations: Record<string, string> } };
    expect(cm.metadata.annotations["optimizer.meshpilot.io/sha256"]).toMatch(/^[0-9a-f]{64}$/);
    h.optimizer = await h.start();
    expect(h.optimizer.reconciler.snapshot()).toEqual(learned);
    h.api.remove("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, APP);
    await h.settled();
    await h.step();
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    const vs = h.api.get("networking.istio.io/v1", "VirtualService", NS, APP) as unknown as {
      spec: { http: { retries: unknown }[] };
    };
    expect(vs.spec.http[0].retries).toEqual({
      attempts: 2,
      perTryTimeout: "2s",
      retryOn: "connect-failure,refused-stream",
    });
    expect(h.api.list("networking.istio.io/v1alpha3", "EnvoyFilter")).toEqual([]);
  });

  test("a state whose checksum does not match is refused, and the optimizer starts fresh", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    await h.step();
    await h.optimizer.stop();
    const cm = savedState(h) as Record<string, never>;
    h.api.put({
      ...cm,
      metadata: {
        ...(cm.metadata as object),
        annotations: { "optimizer.meshpilot.io/sha256": "0".repeat(64) },
      },
    });
    h.optimizer = await h.start();
    expect(h.optimizer.reconciler.snapshot().intents).toEqual({});
    expect(h.warnings.join("\n")).toMatch(/cannot be trusted.*checksum/);
  });
});

describe("intents", () => {
  test("an invalid intent gets Invalid with the JSON path and the reason, and causes no write", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2), {
      objectives: { p99LatencyMs: 100, errorRate: 0.001, costWeight: 1, subsetCost: { v1: 1, v3: 2 } },
    });
    await h.step();
    expect(condition(h, "Invalid")).toMatchObject({ status: "True", reason: "InvalidSpec" });
    expect(condition(h, "Invalid")?.message).toBe(
      "spec.objectives.subsetCost.v3: names no subset of the DestinationRule (it has v1, v2)",
    );
    expect(condition(h, "Ready")?.status).toBe("False");
    expect(h.events("InvalidSpec")).toHaveLength(1);
    expect(routingWrites(h)).toEqual([]);
    await h.step();
    expect(h.events("InvalidSpec")).toHaveLength(1);
  });

  test("a schema violation names its path too", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2), {
      objectives: { p99LatencyMs: -5, errorRate: 0.01 },
    });
    await h.step();
    expect(condition(h, "Invalid")?.message).toMatch(/spec\.objectives\.p99LatencyMs: must be >= 1/);
    expect(routingWrites(h)).toEqual([]);
  });

  test("pausing takes effect within one interval and manual weights stand", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    await h.step();
    const intent = h.intent() as { spec: Record<string, unknown> } & Record<string, unknown>;
    h.api.put({ ...intent, spec: { ...intent.spec, paused: true } });
    const vs = h.api.get("networking.istio.io/v1", "VirtualService", NS, APP) as unknown as {
      spec: { http: { route: { weight: number }[] }[] };
    };
    vs.spec.http[0].route[0].weight = 30;
    vs.spec.http[0].route[1].weight = 70;
    h.api.put(vs);
    await h.settled();
    const before = routingWrites(h).length;
    await h.step();
    await h.step();
    expect(routingWrites(h).length).toBe(before);
    expect(h.weights()).toEqual({ v1: 30, v2: 70 });
    expect(h.intent().status?.lastDecision?.kind).toBe("paused");
  });

  test("an edited guardrail applies at the next interval", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    await h.step();
    const intent = h.intent() as { spec: { guardrails: object } } & Record<string, unknown>;
    h.api.put({ ...intent, spec: { ...intent.spec, guardrails: { ...intent.spec.guardrails, maxStep: 3 } } });
    await h.settled();
    await h.step();
    expect(h.weights()).toEqual({ v1: 63, v2: 37 });
  });

  test("an override on the intent caps a subset at the next interval, and its removal lets the policy move again", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    await h.step();
    expect(h.weights()).toEqual({ v1: 60, v2: 40 });
    const intent = h.intent() as unknown as { metadata: object } & Record<string, unknown>;
    const cap = {
      kind: "cap-subset",
      subset: "v1",
      maxWeight: 10,
      by: "AIOpsPolicy/shop",
      reason: "incident 1",
    };
    const annotated = { ...intent.metadata, annotations: { [OVERRIDES_ANNOTATION]: JSON.stringify([cap]) } };
    h.api.put({ ...intent, metadata: annotated });
    await h.settled();
    await h.step();
    expect(h.weights()).toEqual({ v1: 10, v2: 90 });
    expect(h.intent().status?.lastDecision?.explanation).toMatch(
      /override by AIOpsPolicy\/shop \(incident 1\): v1 capped at 10%/,
    );
    h.api.put({ ...(h.intent() as Record<string, unknown>), metadata: { ...annotated, annotations: {} } });
    await h.settled();
    await h.step();
    expect(h.weights().v1).toBeGreaterThan(10);
  });

  test("a malformed override annotation is Invalid, naming the annotation, and changes nothing", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    const intent = h.intent() as unknown as { metadata: object } & Record<string, unknown>;
    const bad = [{ kind: "cap-subset", subset: "v1", maxWeight: -1, by: "alice" }];
    h.api.put({
      ...intent,
      metadata: { ...intent.metadata, annotations: { [OVERRIDES_ANNOTATION]: JSON.stringify(bad) } },
    });
    await h.settled();
    await h.step();
    expect(condition(h, "Invalid")).toMatchObject({ status: "True", reason: "InvalidOverride" });
    expect(condition(h, "Invalid")?.message).toMatch(/overrides\[0\]\.maxWeight: must be >= 0/);
    expect(routingWrites(h)).toEqual([]);
  });

  test("kill switch: setting mode observe restores the original routing", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2));
    await h.step();
    await h.step();
    // Hedging, and least-request's full scan: both filters the optimizer owns.
    expect(h.api.list("networking.istio.io/v1alpha3", "EnvoyFilter").map((f) => f.metadata.name)).toEqual([
      `meshpilot-hedge-${APP}`,
      `meshpilot-lb-${APP}`,
    ]);
    const intent = h.intent() as { spec: object } & Record<string, unknown>;
    h.api.put({ ...intent, spec: { ...intent.spec, mode: "observe" } });
    await h.settled();
    await h.step();
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    expect(h.api.list("networking.istio.io/v1alpha3", "EnvoyFilter")).toEqual([]);
    expect(h.events("RoutingRestored")).toHaveLength(1);
    const before = routingWrites(h).length;
    await h.step();
    expect(routingWrites(h).length).toBe(before);
  });
});

describe("telemetry", () => {
  test("stale telemetry holds, then restores the original routing and sets Degraded", async () => {
    let stale = false;
    h = await optimizerHarness(new ScriptedTelemetry((host, i) => (stale ? undefined : slowV2(host, i))));
    await h.step();
    await h.step();
    expect(h.weights()).toEqual({ v1: 70, v2: 30 });
    stale = true;
    await h.step();
    await h.step();
    expect(h.weights()).toEqual({ v1: 70, v2: 30 });
    expect(condition(h, "Degraded")?.status).toBe("False");
    await h.step();
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    expect(condition(h, "Degraded")).toMatchObject({ status: "True", reason: "TelemetryStale" });
    expect(h.events("TelemetryStale")).toHaveLength(1);
    stale = false;
    await h.step();
    expect(condition(h, "Degraded")?.status).toBe("False");
  });

  test("Prometheus down: every interval is stale, nothing is written, and the intent goes Degraded", async () => {
    h = await optimizerHarness(
      undefined as never,
      {},
      { metricsSource: undefined, prometheusUrl: "http://127.0.0.1:9", queryTimeoutMs: 500 },
    );
    for (let i = 0; i < 3; i++) await h.step();
    expect(routingWrites(h)).toEqual([]);
    expect(condition(h, "Degraded")).toMatchObject({ status: "True", reason: "TelemetryStale" });
    expect(h.warnings.join("\n")).toMatch(/traffic query failed/);
  });

  test("Prometheus slow: queries time out and the interval holds", async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(hang.address() as { port: number }).port}`;
    try {
      h = await optimizerHarness(
        undefined as never,
        {},
        { metricsSource: undefined, prometheusUrl: url, queryTimeoutMs: 200 },
      );
      await h.step();
      expect(h.intent().status?.lastDecision).toMatchObject({ kind: "stale" });
      expect(h.warnings.join("\n")).toMatch(/timed out/);
      expect(routingWrites(h)).toEqual([]);
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });

  test("automatic rollback: when the subsets that gained traffic get worse, the last-known-good routing returns", async () => {
    h = await optimizerHarness(
      new ScriptedTelemetry((_host, i) =>
        i === 0 ? { v1: { p99Ms: 60 }, v2: { p99Ms: 400 } } : { v1: { p99Ms: 300 }, v2: { p99Ms: 90 } },
      ),
    );
    await h.step();
    expect(h.weights()).toEqual({ v1: 60, v2: 40 });
    for (let i = 0; i < 3; i++) await h.step();
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    const rollback = h.events("RolledBack");
    expect(rollback).toHaveLength(1);
    expect(rollback[0].message).toMatch(/on v1, which gained traffic over 3 intervals/);
    expect(h.audit.filter((a) => a.kind === "rollback")).toHaveLength(1);
  });
});

describe("pre-trained table", () => {
  test("a new q-learning intent starts from the table shipped with the image", async () => {
    const shipped = importQTable(readFileSync(PRETRAINED_PATH, "utf8"), Q_ACTIONS);
    expect(Object.keys(shipped.values).length).toBeGreaterThan(0);
    h = await optimizerHarness(
      new ScriptedTelemetry(slowV2),
      { algorithm: "q-learning", guardrails: { allowHedging: true } },
      { pretrainedTable: PRETRAINED_PATH },
    );
    await h.step();
    const memory = h.optimizer.reconciler.snapshot().intents[`${NS}/${APP}`];
    expect(memory.policy).toBe("q-learning");
    expect((memory.state as { table: { values: unknown } }).table.values).toEqual(shipped.values);
  });
});

describe("shadow mode", () => {
  test("with the no-op actuator an acting intent decides and explains, writes nothing, and is not Degraded", async () => {
    h = await optimizerHarness(new ScriptedTelemetry(slowV2), {}, { actuator: "noop" });
    await h.step();
    await h.step();
    expect(routingWrites(h)).toEqual([]);
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
    expect(condition(h, "Degraded")?.status).toBe("False");
    expect(h.intent().status?.lastDecision?.explanation).toMatch(/Weights v1=60 v2=40\./);
    // Nothing was owned, so there is no finalizer to wait on.
    expect((h.intent() as { metadata?: { finalizers?: string[] } }).metadata?.finalizers).toBeUndefined();
  });
});
