/**
 * The Istio actuator's per-replica levers against the API double, through the real
 * @kubernetes/client-node: the quarantine lane (a pod's label, the route's mirror) and the
 * least-request filter, applied, undone when a later write fails, and restored.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { LANE_LABEL } from "../../api/optimizer.js";
import { kubeClients } from "../kube/clients.js";
import type { RoutingKnobs } from "../policy/policy.js";
import { hostOf, podObject, routingObjects } from "../testbed/fixtures.js";
import { KubeApiDouble } from "../testbed/kube-api-double.js";
import type { Target } from "./actuator.js";
import { IstioActuator } from "./istio-actuator.js";
import { originalRouting } from "./live-routing.js";

const NS = "shop";
const APP = "catalog";
const target: Target = {
  namespace: NS,
  host: hostOf(NS, APP),
  virtualService: APP,
  destinationRule: APP,
  name: APP,
  port: 8080,
};
const limits = { minWeight: 5, maxStep: 10, total: 100 };
const base: RoutingKnobs = { algorithm: "LEAST_REQUEST", weights: { v1: 100 } };
const laned = (pods: string[], probePercent = 1): RoutingKnobs => ({
  ...base,
  leastRequest: { choiceCount: 2, fullScan: true },
  lane: { quarantined: pods, probePercent },
});

let api: KubeApiDouble;
let actuator: IstioActuator;
beforeEach(async () => {
  api = new KubeApiDouble();
  const server = await api.listen();
  const { virtualService, destinationRule } = routingObjects(NS, APP, { v1: 100 }, 8080, true);
  api.put(virtualService, "argocd-controller");
  api.put(destinationRule, "argocd-controller");
  for (const i of [0, 1, 2]) api.put(podObject(NS, APP, `catalog-v1-${i}`, "v1"), "kube-controller-manager");
  actuator = new IstioActuator(kubeClients(server).objects, {
    fieldManager: "meshpilot-optimizer",
    isLeader: () => true,
    random: () => 0.5,
    baseBackoffMs: 1,
  });
});
afterEach(async () => {
  await api.close();
});

const lane = (pod: string) =>
  (api.get("v1", "Pod", NS, pod)?.metadata as unknown as { labels?: Record<string, string> } | undefined)
    ?.labels?.[LANE_LABEL];
const route = () =>
  (
    api.get("networking.istio.io/v1", "VirtualService", NS, APP) as unknown as {
      spec: { http: Record<string, unknown>[] };
    }
  ).spec.http[0];
const filters = () => api.list("networking.istio.io/v1alpha3", "EnvoyFilter").map((f) => f.metadata.name);

describe("the Istio actuator's per-replica levers", () => {
  test("quarantine: the pod's lane label, the route's mirror to the lane subset, and the least-request filter", async () => {
    const out = await actuator.apply(target, base, laned(["catalog-v1-1"]), limits);
    expect(out).toEqual({ ok: true, writes: 3 });
    expect(["catalog-v1-0", "catalog-v1-1", "catalog-v1-2"].map(lane)).toEqual([
      "serving",
      "quarantine",
      "serving",
    ]);
    expect(route().mirror).toEqual({ host: target.host, subset: "meshpilot-lane" });
    expect(route().mirrorPercentage).toEqual({ value: 1 });
    expect(filters()).toEqual(["meshpilot-lb-catalog"]);
    const lb = JSON.stringify(
      api.get("networking.istio.io/v1alpha3", "EnvoyFilter", NS, "meshpilot-lb-catalog"),
    );
    expect(lb).toContain('"selection_method":"FULL_SCAN"');
    expect(lb).toContain('"service":"catalog.shop.svc.cluster.local","portNumber":8080');
    // The pod's label is the only field the optimizer owns on it.
    const pod = api.get("v1", "Pod", NS, "catalog-v1-1") as unknown as { spec: unknown };
    expect(pod.spec).toEqual(podObject(NS, APP, "catalog-v1-1", "v1").spec);
  });

  test("back: the label returns to serving, the mirror goes, and a pod that is gone is nothing to do", async () => {
    await actuator.apply(target, base, laned(["catalog-v1-1", "catalog-v1-2"]), limits);
    api.remove("v1", "Pod", NS, "catalog-v1-2");
    const out = await actuator.apply(target, laned(["catalog-v1-1", "catalog-v1-2"]), laned([]), limits);
    expect(out.ok).toBe(true);
    expect(lane("catalog-v1-1")).toBe("serving");
    expect(route().mirror).toBeUndefined();
    expect(route().mirrorPercentage).toBeUndefined();
  });

  test("a pod outside the lane scheme is refused with the fix, and the writes before it are undone", async () => {
    api.put(podObject(NS, APP, "catalog-v1-3", "v1", false), "kube-controller-manager");
    const out = await actuator.apply(target, base, laned(["catalog-v1-3"]), limits);
    expect(out.ok).toBe(false);
    expect(out).toMatchObject({ restored: true });
    expect(!out.ok && out.error).toMatch(
      /pod catalog-v1-3 has no optimizer\.meshpilot\.io\/lane=serving label, so its subset cannot leave it out; see docs\/optimizer\.md/,
    );
    expect(route().mirror).toBeUndefined();
    expect(filters()).toEqual([]);
    // A pod that is gone cannot be quarantined either.
    const gone = await actuator.apply(target, base, laned(["catalog-v1-9"]), limits);
    expect(!gone.ok && gone.error).toMatch(/Pod catalog-v1-9: Pod catalog-v1-9 is gone/);
  });

  test("restore returns the lane's pods, removes the filters, and puts back a mirror Git had set", async () => {
    const vs = api.get("networking.istio.io/v1", "VirtualService", NS, APP) as unknown as {
      spec: { http: Record<string, unknown>[] };
    };
    vs.spec.http[0].mirror = { host: "audit.shop.svc.cluster.local" };
    vs.spec.http[0].mirrorPercentage = { value: 0.5 };
    api.put(vs as never, "argocd-controller");
    const dr = api.get("networking.istio.io/v1", "DestinationRule", NS, APP);
    const original = originalRouting(vs as never, dr as never, target.host);
    const written = laned(["catalog-v1-0"]);
    await actuator.apply(target, base, written, limits);
    expect(route().mirror).toEqual({ host: target.host, subset: "meshpilot-lane" });
    const out = await actuator.restore(target, original, written);
    expect(out.ok).toBe(true);
    expect(lane("catalog-v1-0")).toBe("serving");
    expect(filters()).toEqual([]);
    expect(route().mirror).toEqual({ host: "audit.shop.svc.cluster.local" });
    expect(route().mirrorPercentage).toEqual({ value: 0.5 });
  });

  test("least-request's tuning applies only with LEAST_REQUEST; bad values are refused with the range", async () => {
    await actuator.apply(target, base, { ...base, leastRequest: { choiceCount: 4 } }, limits);
    expect(filters()).toEqual(["meshpilot-lb-catalog"]);
    await actuator.apply(
      target,
      { ...base, leastRequest: { choiceCount: 4 } },
      { ...base, algorithm: "ROUND_ROBIN", leastRequest: { choiceCount: 4 } },
      limits,
    );
    expect(filters()).toEqual([]);
    const bad = await actuator.apply(target, base, { ...base, leastRequest: { choiceCount: 99 } }, limits);
    expect(!bad.ok && bad.error).toMatch(/choice count 99 is not a whole number from 2 to 16/);
  });
});
