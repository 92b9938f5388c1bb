/**
 * The quarantine lane, end to end with real parts: six replicas of one version, one browned out
 * (ten times slower) for the first part of the run. The simulated mesh reports every try per pod
 * to the Istio exporter; Debian's Prometheus scrapes it every second; the optimizer reads the
 * per-pod figures over HTTP and moves the slow pod into the lane by its label, through
 * @kubernetes/client-node to the API double (the one stand-in); the mesh takes the pod out of its
 * subset as Envoy would, mirroring probes to it. An observing copy of the same mesh, from the same
 * seed, is the baseline. The pod must come back once the fault is over, and deleting the intent
 * must put everything back.
 */

import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { LANE_LABEL } from "../api/optimizer.js";
import type { RunningOptimizer } from "./optimizer.js";
import type { SimulationConfig } from "./sim/engine.js";
import { closedLoopOptimizer, stopClosedLoop } from "./testbed/closed-loop-optimizer.js";
import { intentObject, podObject, routingObjects } from "./testbed/fixtures.js";
import { IstioExporter } from "./testbed/istio-exporter.js";
import { KubeApiDouble } from "./testbed/kube-api-double.js";
import { LiveMesh } from "./testbed/live-mesh.js";
import { type RunningPrometheus, startPrometheus } from "./testbed/prometheus-server.js";

jest.setTimeout(150_000);

const FAULT_UNTIL_MS = 24_000;
const MEASURE = { fromMs: 12_000, toMs: 24_000 };
const PODS = [0, 1, 2, 3, 4, 5].map((i) => `catalog-v1-${i}`);

function meshConfig(): SimulationConfig {
  return {
    seed: 11,
    durationMs: 600_000,
    replicas: PODS.map(() => ({
      subset: "v1",
      slots: 4,
      serviceTime: { kind: "lognormal" as const, meanMs: 20, cv: 1 },
    })),
    // About 40% busy: the other five can take the slow one's share.
    arrivals: { kind: "poisson", rps: 480 },
    clientTimeoutMs: 2000,
    faults: [{ kind: "brownout", replica: 2, factor: 10, fromMs: 0, toMs: FAULT_UNTIL_MS }],
    routing: { algorithm: "LEAST_REQUEST", weights: { v1: 100 } },
  };
}

const api = new KubeApiDouble();
const exporter = new IstioExporter();
const meshes = {
  observe: new LiveMesh({ namespace: "observe", app: "catalog", config: meshConfig(), exporter }),
  act: new LiveMesh({ namespace: "act", app: "catalog", config: meshConfig(), exporter }),
};
let prometheus: RunningPrometheus;
let optimizer: RunningOptimizer;
const measured: Record<string, ReturnType<LiveMesh["measured"]>> = {};

/** Resolves once `done()` holds, checking on every change the double sees; fails after `ms`. */
function until(done: () => boolean, what: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    };
    api.onChange(check);
    check();
  });
}

const laneOf = (ns: string, pod: string) =>
  (api.get("v1", "Pod", ns, pod)?.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[
    LANE_LABEL
  ];
/** Simulated time on the acting mesh, when `ms` is reached. */
const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - meshes.act.nowMs)));

beforeAll(async () => {
  const server = await api.listen();
  for (const mode of ["observe", "act"] as const) {
    const { virtualService, destinationRule } = routingObjects(mode, "catalog", { v1: 100 }, 8080, true);
    api.put(virtualService, "argocd-controller");
    api.put(destinationRule, "argocd-controller");
    for (const pod of PODS) api.put(podObject(mode, "catalog", pod, "v1"), "kube-controller-manager");
    api.put(intentObject(mode, "catalog", { mode }));
    meshes[mode].follow(api, "catalog", "catalog");
  }
  prometheus = await startPrometheus([await exporter.listen()], 1);
  meshes.observe.start();
  meshes.act.start();
  optimizer = await closedLoopOptimizer(
    server,
    prometheus.url,
    ["observe", "act"],
    new PassThrough().resume(),
  );
  await at(MEASURE.fromMs);
  meshes.observe.mark();
  meshes.act.mark();
  await at(MEASURE.toMs);
  measured.observe = meshes.observe.measured();
  measured.act = meshes.act.measured();
});

afterAll(() =>
  stopClosedLoop({ optimizer, meshes: [meshes.observe, meshes.act], prometheus, exporter, api }),
);

describe("closed loop: the quarantine lane", () => {
  test("the browned-out pod, and only it, went to the lane, and the clients' p99 fell", () => {
    const lanes = meshes.act.routings.map((r) => r.lane);
    expect(lanes.some((l) => l.join() === "v1-2")).toBe(true);
    expect(new Set(lanes.flat())).toEqual(new Set(["v1-2"]));
    process.stdout.write(
      `closed loop lane p99: observe ${measured.observe.p99Ms.toFixed(1)} ms, act ${measured.act.p99Ms.toFixed(1)} ms\n`,
    );
    expect(measured.act.requests).toBeGreaterThan(3000);
    expect(measured.act.p99Ms).toBeLessThan(measured.observe.p99Ms * 0.7);
    // The observing copy only explained: its pods kept their labels.
    expect(PODS.map((p) => laneOf("observe", p))).toEqual(PODS.map(() => "serving"));
    // Pods were touched only by merge patches of their label, under the optimizer's field manager.
    const podWrites = api.writes("pods").filter((w) => w.path.includes("/namespaces/act/"));
    expect(podWrites.length).toBeGreaterThan(0);
    for (const w of podWrites) {
      expect(w.contentType).toBe("application/merge-patch+json");
      expect(w.query.fieldManager).toBe("meshpilot-optimizer");
    }
  });

  test("the pod returns once the fault is over", async () => {
    await until(
      () => laneOf("act", "catalog-v1-2") === "serving" && meshes.act.nowMs > FAULT_UNTIL_MS,
      "catalog-v1-2 to return from the lane",
      80_000,
    );
    expect(meshes.act.routings.at(-1)?.lane).toEqual([]);
  });

  test("deleting the intent restores the routing and removes the filters; every pod serves", async () => {
    // (Returning pods still in the lane on a restore is istio-actuator.test.ts's.)
    const intent = api.get("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", "act", "catalog");
    expect(intent).toBeDefined();
    api.remove("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", "act", "catalog");
    await until(
      () => api.get("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", "act", "catalog") === undefined,
      "the intent's finalizer to be released",
      30_000,
    );
    expect(PODS.map((p) => laneOf("act", p))).toEqual(PODS.map(() => "serving"));
    expect(
      api.list("networking.istio.io/v1alpha3", "EnvoyFilter").filter((f) => f.metadata.namespace === "act"),
    ).toEqual([]);
    const vs = api.get("networking.istio.io/v1", "VirtualService", "act", "catalog") as unknown as {
      spec: { http: { mirror?: unknown; route: { weight: number }[] }[] };
    };
    expect(vs.spec.http[0].mirror).toBeUndefined();
    expect(vs.spec.http[0].route[0].weight).toBe(100);
  });
});
