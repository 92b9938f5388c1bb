/**
 * The remediation actuator against the API double through the real client: an eviction for a
 * restart, an HPA floor raised with Git's value recorded and given back, the objects it must not
 * touch left alone, and a follower refused.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { OVERRIDES_ANNOTATION } from "../../api/intent/overrides.js";
import { GIT_FLOOR_ANNOTATION } from "../../api/optimizer.js";
import type { Action } from "../aiops/remediation.js";
import { kubeClients } from "../kube/clients.js";
import { hpaObject, intentObject, podObject } from "../testbed/fixtures.js";
import { KubeApiDouble } from "../testbed/kube-api-double.js";
import { HpaFloorWriter } from "./hpa-floor.js";
import { NotLeaderError } from "./istio-actuator.js";
import { createRemediationActuator } from "./remediation-factory.js";
import { KubeRemediation } from "./remediation-kube.js";
import { TrafficOverrides } from "./traffic-overrides.js";

const NS = "shop";
const OWNER = "AIOpsPolicy/shop";
let api: KubeApiDouble;
let leader = true;
let actuator: KubeRemediation;

const ready = (pod: ReturnType<typeof podObject>, isReady: boolean) => ({
  ...pod,
  status: { conditions: [{ type: "Ready", status: isReady ? "True" : "False" }] },
});

beforeEach(async () => {
  leader = true;
  api = new KubeApiDouble();
  const clients = kubeClients(await api.listen());
  for (const i of [0, 1, 2, 3])
    api.put(ready(podObject(NS, "payments", `payments-v1-${i}`, "v1"), i !== 3), "kubelet");
  api.put(podObject(NS, "cart", "cart-v1-0", "v1"), "kubelet");
  api.put(
    hpaObject(NS, "payments-v1", { min: 2, max: 10, targetPercent: 70, current: 3, utilizationPercent: 90 }),
  );
  const options = { fieldManager: "meshpilot-optimizer", isLeader: () => leader, timeoutMs: 5000 };
  actuator = new KubeRemediation({
    clients,
    floors: new HpaFloorWriter(clients.objects, options),
    traffic: new TrafficOverrides(clients.objects, 5000),
    isLeader: () => leader,
    timeoutMs: 5000,
  });
});
afterEach(async () => {
  await api.close();
});

const hpa = () =>
  api.get("autoscaling/v2", "HorizontalPodAutoscaler", NS, "payments-v1") as unknown as {
    metadata: { annotations?: Record<string, string> };
    spec: { minReplicas: number };
  };
const scaleOut: Action = {
  kind: "scale-out",
  service: "payments",
  target: "payments-v1",
  detail: "raise payments-v1 minReplicas from 2 to 4",
  amount: 4,
  undo: "minReplicas back to 2",
};

describe("remediation on the Kubernetes API", () => {
  test("views the pods telemetry names that belong to the service, with readiness, and the HPA", async () => {
    const view = await actuator.view({
      namespace: NS,
      service: "payments",
      horizontalPodAutoscaler: "payments-v1",
      pods: [
        { pod: "payments-v1-0", rps: 5, severity: 0.1 },
        { pod: "payments-v1-3", rps: 5 },
        { pod: "cart-v1-0", rps: 5 },
        { pod: "payments-v1-gone", rps: 5 },
      ],
      loadHigh: false,
    });
    expect(view.pods).toEqual([
      { name: "payments-v1-0", version: "v1", ready: true, severity: 0.1 },
      { name: "payments-v1-3", version: "v1", ready: false },
    ]);
    // 90% CPU against a 70% target: the HPA itself wants more.
    expect(view.saturated).toBe(true);
    expect(view.hpa).toEqual({ name: "payments-v1", minReplicas: 2, maxReplicas: 10, current: 3 });
    expect(view.laneAvailable).toBe(false);
  });

  test("restarts a pod through the Eviction API", async () => {
    await actuator.apply(NS, OWNER, {
      kind: "restart-pod",
      service: "payments",
      target: "payments-v1-1",
      detail: "restart payments-v1-1",
    });
    expect(api.evictions).toEqual(["shop/payments-v1-1"]);
    expect(api.get("v1", "Pod", NS, "payments-v1-1")).toBeUndefined();
  });

  test("raises the floor with Git's value recorded, undoes it, and releases only its own", async () => {
    await actuator.apply(NS, OWNER, scaleOut);
    expect(hpa().spec.minReplicas).toBe(4);
    expect(JSON.parse(hpa().metadata.annotations?.[GIT_FLOOR_ANNOTATION] ?? "{}")).toEqual(
      expect.objectContaining({ intent: OWNER, minReplicas: 2 }),
    );
    expect(await actuator.release(NS, "AIOpsPolicy/other", ["payments-v1"])).toEqual([]);
    expect(hpa().spec.minReplicas).toBe(4);
    await actuator.undo(NS, OWNER, scaleOut);
    expect(hpa().spec.minReplicas).toBe(2);
    expect(hpa().metadata.annotations?.[GIT_FLOOR_ANNOTATION]).toBeUndefined();
    expect(await actuator.release(NS, OWNER, ["payments-v1"])).toEqual([]);
  });

  test("leaves alone an HPA an intent's predictive scaler holds", async () => {
    const held = hpaObject(NS, "payments-v1", { min: 5, max: 10, targetPercent: 70, current: 5 });
    api.put({
      ...held,
      metadata: {
        ...held.metadata,
        annotations: { [GIT_FLOOR_ANNOTATION]: JSON.stringify({ intent: "payments", minReplicas: 2 }) },
      },
    });
    const view = await actuator.view({
      namespace: NS,
      service: "payments",
      horizontalPodAutoscaler: "payments-v1",
      pods: [],
      loadHigh: true,
    });
    expect(view.hpa).toBeUndefined();
    await expect(actuator.apply(NS, OWNER, scaleOut)).rejects.toThrow("owned by an intent");
    expect(await actuator.release(NS, OWNER, ["payments-v1"])).toEqual([]);
    expect(hpa().spec.minReplicas).toBe(5);
  });

  test("refuses as a follower, and carries out no proposal kind", async () => {
    leader = false;
    await expect(actuator.apply(NS, OWNER, scaleOut)).rejects.toBeInstanceOf(NotLeaderError);
    leader = true;
    await expect(
      actuator.apply(NS, OWNER, { kind: "propose-revert", service: "payments", target: "abc", detail: "" }),
    ).rejects.toThrow("the Kubernetes actuator does not carry out propose-revert");
    expect(actuator.supports).toEqual(["restart-pod", "scale-out", "shift-traffic", "quarantine-pod"]);
  });

  test("the factory names its actuators and throws on an unknown one", () => {
    expect(createRemediationActuator("in-memory", {}).supports).toContain("shift-traffic");
    expect(() => createRemediationActuator("kubernetes", {})).toThrow(
      "AIOPS_ACTUATOR: 'kubernetes' needs the API clients, a field manager and the leader check",
    );
    expect(() => createRemediationActuator("ssh", {})).toThrow(
      "AIOPS_ACTUATOR: unknown name 'ssh'; valid names are kubernetes, in-memory",
    );
  });
});

describe("traffic actions, through the traffic optimizer's overrides", () => {
  const intent = () =>
    api.get("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, "payments") as unknown as {
      metadata: { annotations?: Record<string, string> };
    };
  const overrides = () => JSON.parse(intent().metadata.annotations?.[OVERRIDES_ANNOTATION] ?? "[]");
  const shift: Action = {
    kind: "shift-traffic",
    service: "payments",
    target: "v2",
    detail: "move payments v2 from 50% to 0%",
    amount: 0,
    undo: "lift the cap on v2",
  };
  const quarantine: Action = {
    kind: "quarantine-pod",
    service: "payments",
    target: "payments-v1-1",
    detail: "quarantine payments-v1-1",
    undo: "return payments-v1-1 to serving",
  };
  const seed = (mode: "act" | "observe", annotations: Record<string, string> = {}) => {
    const object = intentObject(NS, "payments", { mode });
    api.put({
      ...object,
      metadata: { ...object.metadata, annotations },
      status: { weights: { v1: 50, v2: 50 } },
    });
  };
  const view = () =>
    actuator.view({
      namespace: NS,
      service: "payments",
      pods: [
        { pod: "payments-v1-0", rps: 5, severity: 0.2 },
        { pod: "payments-v1-1", rps: 5, severity: 0.4 },
        { pod: "payments-v2-0", rps: 5, severity: 3 },
      ],
      loadHigh: false,
    });

  beforeEach(() => {
    const v2 = podObject(NS, "payments", "payments-v2-0", "v2");
    // Deployed after the v1 pods: the newest version.
    const seeded = { ...v2, metadata: { ...v2.metadata, creationTimestamp: "2099-01-01T00:00:00Z" } };
    api.put(ready(seeded, true));
  });

  test("the view reads the intent's weights and the versions from their pods' ages", async () => {
    seed("act");
    expect(await view()).toMatchObject({
      laneAvailable: true,
      weights: { v1: 50, v2: 50 },
      newestVersion: { name: "v2", sinceMs: Date.parse("2099-01-01T00:00:00Z") },
      versionSeverity: { v1: 0.2, v2: 3 },
    });
    expect((await view()).trafficUnavailable).toBeUndefined();
  });

  test("an intent that does not act, or no intent, leaves traffic actions as proposals, with why", async () => {
    expect((await view()).trafficUnavailable).toBe("no TrafficIntent in shop routes payments");
    expect((await view()).laneAvailable).toBe(false);
    seed("observe");
    expect((await view()).trafficUnavailable).toBe(
      "TrafficIntent payments is in observe mode; the traffic optimizer carries out traffic actions in act mode only",
    );
  });

  test("a shift caps the version and a quarantine names the pod, each undone alone, beside a person's entry", async () => {
    const persons = { kind: "cap-subset", subset: "v1", maxWeight: 90, by: "alice" };
    seed("act", { [OVERRIDES_ANNOTATION]: JSON.stringify([persons]) });
    await actuator.apply(NS, OWNER, shift);
    await actuator.apply(NS, OWNER, quarantine);
    expect(overrides()).toEqual([
      persons,
      { kind: "cap-subset", subset: "v2", maxWeight: 0, by: OWNER, reason: shift.detail },
      { kind: "quarantine-pod", pod: "payments-v1-1", by: OWNER, reason: quarantine.detail },
    ]);
    await actuator.undo(NS, OWNER, shift);
    expect(overrides().map((o: { kind: string }) => o.kind)).toEqual(["cap-subset", "quarantine-pod"]);
    // Undoing a scale-out gives back its floor only, never a traffic override.
    await actuator.undo(NS, OWNER, scaleOut);
    expect(overrides()).toHaveLength(2);
    leader = false;
    await expect(actuator.release(NS, OWNER, [])).rejects.toBeInstanceOf(NotLeaderError);
    leader = true;
    expect(await actuator.release(NS, "AIOpsPolicy/other", [])).toEqual([]);
    expect(await actuator.release(NS, OWNER, [])).toEqual(["TrafficIntent/payments"]);
    expect(overrides()).toEqual([persons]);
  });

  test("a malformed annotation is a person's to fix: the action fails and the annotation is left as it was", async () => {
    seed("act", { [OVERRIDES_ANNOTATION]: "[{" });
    await expect(actuator.apply(NS, OWNER, shift)).rejects.toThrow(/TrafficIntent payments: .*is not JSON/);
    expect(intent().metadata.annotations?.[OVERRIDES_ANNOTATION]).toBe("[{");
    expect(await actuator.release(NS, OWNER, [])).toEqual([]);
  });
});
