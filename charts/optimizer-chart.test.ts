/**
 * The optimizer's manifests: two leader-elected replicas, least-privilege RBAC proven by running
 * the real controller against the API double under exactly the chart's Roles, and a network
 * policy that lets it reach Prometheus, the API server and DNS only.
 */
import { afterEach, describe, expect, jest, test } from "@jest/globals";
import { ENVIRONMENTS } from "../config/environments.js";
import { imageNames } from "../config/shop.js";
import { ROLLOUT_READERS_GROUP } from "../constructs/aws/addon-names.js";
import { NAMESPACES } from "../constructs/k8s/namespaces.js";
import type { Manifest } from "../constructs/k8s/schemas.js";
import { createRemediationActuator } from "../controller/actuator/remediation-factory.js";
import { ReplaySignalSource } from "../controller/aiops/signal-source.js";
import { kubeClients } from "../controller/kube/clients.js";
import { hpaObject, podObject } from "../controller/testbed/fixtures.js";
import type { RbacRule } from "../controller/testbed/kube-api-double.js";
import { type Harness, optimizerHarness } from "../controller/testbed/optimizer-harness.js";
import { ScriptedTelemetry } from "../controller/testbed/scripted-telemetry.js";
import { synthGitOpsTree } from "./gitops-tree.js";

jest.setTimeout(30_000);

const dev = ENVIRONMENTS.find((e) => e.name === "dev") ?? ENVIRONMENTS[0];
const optimizer = synthGitOpsTree(dev).optimizer;
const of = (kind: string) => optimizer.filter((m) => m.kind === kind) as (Manifest & Record<string, never>)[];

/** The controller's own Roles (the rollout readers' Role is CI's, not the controller's). */
function rolesByNamespace(tree: Manifest[] = optimizer): Map<string, RbacRule[]> {
  const roles = new Map<string, RbacRule[]>();
  for (const role of tree.filter((r) => r.kind === "Role" && r.metadata.name === "meshpilot-optimizer"))
    roles.set(role.metadata.namespace as string, (role as unknown as { rules: RbacRule[] }).rules);
  return roles;
}

type IntentView = { metadata: { name: string }; spec: { mode: string; rollout?: Record<string, unknown> } };
const intents = (tree: Manifest[]) =>
  Object.fromEntries(
    tree
      .filter((m) => m.kind === "TrafficIntent")
      .map((m) => [m.metadata.name, (m as unknown as IntentView).spec]),
  );
const PINNED = {
  ...dev.shop,
  imageTag: "3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a",
  imageDigests: Object.fromEntries(imageNames().map((n) => [n, `sha256:${"ab".repeat(32)}`])),
};

type Obj = Record<string, unknown>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("OptimizerChart", () => {
  test("every default intent starts in observe; an environment promotes one by name", () => {
    const modes = (tree: Manifest[]) =>
      Object.fromEntries(Object.entries(intents(tree)).map(([name, spec]) => [name, spec.mode]));
    const plain = synthGitOpsTree({ ...dev, optimizer: undefined });
    expect(new Set(Object.values(modes(plain.optimizer)))).toEqual(new Set(["observe"]));
    const promoted = synthGitOpsTree({ ...dev, optimizer: { modes: { catalog: "act", cart: "recommend" } } });
    expect(modes(promoted.optimizer)).toMatchObject({ catalog: "act", cart: "recommend", orders: "observe" });
  });

  test("an environment's rollout goes into its service's intent, naming the released image as the canary's", () => {
    const tree = synthGitOpsTree({ ...dev, shop: PINNED });
    expect(intents(tree.optimizer).recommendation).toMatchObject({
      mode: "act",
      rollout: {
        stable: "v1",
        canary: "v2",
        canaryImage: `222222222222.dkr.ecr.eu-west-1.amazonaws.com/meshpilot/recommendation:${PINNED.imageTag}@${PINNED.imageDigests.recommendation}`,
      },
    });
    expect(intents(tree.optimizer).catalog.rollout).toBeUndefined();
  });

  test.each([
    [
      { modes: {}, rollouts: { recommendation: { stable: "v1", canary: "v2" } } },
      'OptimizerChart: env \'dev\' optimizer.rollouts.recommendation needs optimizer.modes.recommendation: "act"; in "observe" the rollout may move no traffic',
    ],
    [
      { modes: { recommendation: "act" }, rollouts: { recommendation: { stable: "v1", canary: "v3" } } },
      "OptimizerChart: env 'dev' optimizer.rollouts.recommendation: spec.rollout.canary: names no subset of the DestinationRule (it has v1, v2)",
    ],
    [
      {
        modes: { recommendation: "act" },
        rollouts: { recommendation: { stable: "v1", canary: "v2", deadlineMinutes: 0 } },
      },
      "optimizer.rollouts.recommendation: spec.rollout.deadlineMinutes: must be >= 1",
    ],
    [
      { rollouts: { recomendation: { stable: "v1", canary: "v2" } } },
      "optimizer.rollouts names 'recomendation', which is not a shop service",
    ],
  ])("a wrong rollout fails at synth naming the setting and the fix: %j", (optimizerConfig, message) => {
    expect(() => synthGitOpsTree({ ...dev, optimizer: optimizerConfig as never })).toThrow(message);
  });

  test("CI's rollout group may read TrafficIntents in the shop's namespace, and nothing else", () => {
    const reader = optimizer.filter((m) => m.metadata.name === "meshpilot-rollout-reader");
    expect(reader.map((m) => `${m.kind} ${m.metadata.namespace}`).sort()).toEqual([
      `Role ${NAMESPACES.shop}`,
      `RoleBinding ${NAMESPACES.shop}`,
    ]);
    const [role, binding] = ["Role", "RoleBinding"].map(
      (k) => reader.find((m) => m.kind === k) as unknown as Obj,
    );
    expect(role.rules).toEqual([
      {
        apiGroups: ["optimizer.meshpilot.io"],
        resources: ["trafficintents"],
        verbs: ["get", "list", "watch"],
      },
    ]);
    expect(binding.subjects).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: ROLLOUT_READERS_GROUP },
    ]);
  });

  test("a promotion naming no shop service, or no mode, fails at synth with the fix", () => {
    expect(() => synthGitOpsTree({ ...dev, optimizer: { modes: { catalogue: "act" } } })).toThrow(
      "OptimizerChart: env 'dev' optimizer.modes names 'catalogue', which is not a shop service; use one of frontend, catalog,",
    );
    expect(() => synthGitOpsTree({ ...dev, optimizer: { modes: { catalog: "on" as never } } })).toThrow(
      "OptimizerChart: env 'dev' optimizer.modes.catalog is 'on'; use one of observe, recommend, act",
    );
  });

  test("runs two replicas under leader election, restricted, with a PDB and a ServiceMonitor", () => {
    const [deployment] = of("Deployment") as unknown as {
      metadata: { annotations: Record<string, string> };
      spec: { replicas: number; template: { spec: { containers: { env: { name: string }[] }[] } } };
    }[];
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.metadata.annotations["meshpilot.io/fixed-replicas-reason"]).toMatch(/leader election/);
    const env = deployment.spec.template.spec.containers[0].env.map((e) => e.name);
    expect(env).toEqual(
      expect.arrayContaining(["POD_NAME", "POD_NAMESPACE", "PROMETHEUS_URL", "MANAGED_NAMESPACES"]),
    );
    expect(of("PodDisruptionBudget")).toHaveLength(1);
    expect(of("ServiceMonitor")).toHaveLength(1);
  });

  test("grants rights only in the managed and its own namespace, never cluster-wide or by wildcard", () => {
    expect(optimizer.filter((m) => m.kind === "ClusterRole" || m.kind === "ClusterRoleBinding")).toEqual([]);
    expect([...rolesByNamespace().keys()].sort()).toEqual([NAMESPACES.optimizer, NAMESPACES.shop].sort());
    expect(JSON.stringify(of("Role"))).not.toMatch(/"\*"/);
  });

  test("its namespace denies by default; its own NetworkPolicy allows egress to Prometheus, the API server, Loki's gateway and DNS only", () => {
    const policies = of("NetworkPolicy") as unknown as {
      metadata: { name: string };
      spec: { podSelector: object; policyTypes: string[]; egress?: { ports: { port: number }[] }[] };
    }[];
    const deny = policies.find((p) => p.metadata.name === "default-deny");
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const own = policies.find((p) => p.metadata.name === "meshpilot-optimizer");
    expect(own?.spec.egress?.map((e) => e.ports.map((p) => p.port))).toEqual([
      [9090],
      [443],
      [8080],
      [53, 53],
    ]);
    expect(of("AuthorizationPolicy")).toEqual([
      expect.objectContaining({
        metadata: { name: "allow-nothing", namespace: "meshpilot-system" },
        spec: {},
      }),
    ]);
  });

  test("the chart's Roles are enough for everything the controller does, and no more is used", async () => {
    h = await optimizerHarness(
      new ScriptedTelemetry(() => ({ v1: { p99Ms: 50 }, v2: { p99Ms: 400 } })),
      {},
      { podNamespace: NAMESPACES.optimizer },
      rolesByNamespace(),
    );
    await h.step();
    await h.step();
    const intent = h.intent() as { spec: object } & Record<string, unknown>;
    h.api.put({ ...intent, spec: { ...intent.spec, mode: "observe" } });
    await h.settled();
    await h.step();
    await h.optimizer.stop();
    h.optimizer = await h.start({ podNamespace: NAMESPACES.optimizer });
    await h.step();
    expect(h.api.requests.filter((r) => r.status === 403)).toEqual([]);
    // What it did under those Roles: apply, the hedging and least-request filters created and
    // deleted, events, the state.
    expect(h.api.writes("envoyfilters").map((w) => `${w.method} ${w.path.split("/").at(-1)}`)).toEqual([
      "PATCH meshpilot-hedge-catalog",
      "PATCH meshpilot-lb-catalog",
      "DELETE meshpilot-hedge-catalog",
      "DELETE meshpilot-lb-catalog",
    ]);
    expect(h.events("RoutingChanged").length).toBeGreaterThan(0);
    expect(h.api.get("v1", "ConfigMap", NAMESPACES.optimizer, "meshpilot-optimizer-state")).toBeDefined();
    expect(h.weights()).toEqual({ v1: 50, v2: 50 });
  });

  test("under the chart's Roles, the AIOps controller reads the tree's own policy and writes its status and Events", async () => {
    const policy = of("AIOpsPolicy")[0] as unknown as {
      metadata: { name: string };
      spec: { services: object };
    };
    expect(Object.keys(policy.spec.services).sort()).toEqual(
      ["cart", "catalog", "checkout", "frontend", "orders", "payments", "recommendation"].sort(),
    );
    const replay = new ReplaySignalSource([]);
    const harness = await optimizerHarness(
      new ScriptedTelemetry(() => undefined),
      {},
      { podNamespace: NAMESPACES.optimizer, signalSource: replay },
      rolesByNamespace(),
    );
    h = harness;
    harness.api.put(policy as never);
    // A second policy, invalid (a callee not watched): its InvalidSpec Event goes through the same Roles.
    harness.api.put({
      ...policy,
      metadata: { ...policy.metadata, name: "broken" },
      spec: { services: { cart: { calls: ["nowhere"] } } },
    } as never);
    const cached = () =>
      ["shop", "broken"].every(
        (name) => harness.optimizer.aiops.cachedVersion(NAMESPACES.shop, name) !== undefined,
      );
    for (let polls = 0; !cached(); polls++) {
      if (polls > 2000) throw new Error("the AIOps cache never saw the policies");
      await new Promise((r) => setTimeout(r, 5));
    }
    await harness.optimizer.aiops.reconcile();
    const status = (name: string) =>
      (
        harness.api.get("optimizer.meshpilot.io/v1alpha1", "AIOpsPolicy", NAMESPACES.shop, name) as {
          status?: { conditions: { type: string; reason: string }[] };
        }
      ).status;
    expect(status("shop")?.conditions.map((c) => `${c.type} ${c.reason}`)).toEqual([
      "Ready NoTelemetry",
      "Degraded TelemetryIncomplete",
    ]);
    expect(status("broken")?.conditions.map((c) => `${c.type} ${c.reason}`)).toEqual([
      "Invalid InvalidSpec",
      "Ready InvalidSpec",
    ]);
    expect(harness.events("InvalidSpec")).toHaveLength(1);
    expect(harness.api.requests.filter((r) => r.status === 403)).toEqual([]);
  });

  test("an environment in AIOps act mode: the policy acts, and the Roles let it evict a shop pod and raise the policy's HPAs only", async () => {
    const tree = synthGitOpsTree({
      ...dev,
      optimizer: { ...dev.optimizer, aiops: { mode: "act" } },
    }).optimizer;
    const policy = tree.find((m) => m.kind === "AIOpsPolicy") as unknown as {
      spec: { mode: string; services: Record<string, { horizontalPodAutoscaler?: string }> };
    };
    expect(policy.spec.mode).toBe("act");
    expect(policy.spec.services.payments.horizontalPodAutoscaler).toBe("payments-v1");
    const roles = rolesByNamespace(tree);
    const shop = roles.get(NAMESPACES.shop) ?? [];
    expect(shop).toContainEqual({ apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] });
    // Observe, as dev ships it: neither right.
    expect(
      (rolesByNamespace().get(NAMESPACES.shop) ?? []).some((r) => r.resources.includes("pods/eviction")),
    ).toBe(false);
    const harness = await optimizerHarness(
      new ScriptedTelemetry(() => undefined),
      {},
      { podNamespace: NAMESPACES.optimizer, signalSource: new ReplaySignalSource([]), manual: true },
      roles,
    );
    h = harness;
    harness.api.put(podObject(NAMESPACES.shop, "payments", "payments-v1-0", "v1"));
    harness.api.put(
      hpaObject(NAMESPACES.shop, "payments-v1", { min: 2, max: 10, targetPercent: 70, current: 2 }),
    );
    harness.api.put(
      hpaObject(NAMESPACES.shop, "unrelated", { min: 1, max: 3, targetPercent: 70, current: 1 }),
    );
    const actuator = createRemediationActuator("kubernetes", {
      clients: kubeClients(harness.server),
      fieldManager: "meshpilot-optimizer",
      isLeader: () => true,
    });
    const owner = "AIOpsPolicy/shop";
    await actuator.apply(NAMESPACES.shop, owner, {
      kind: "restart-pod",
      service: "payments",
      target: "payments-v1-0",
      detail: "",
    });
    await actuator.apply(NAMESPACES.shop, owner, {
      kind: "scale-out",
      service: "payments",
      target: "payments-v1",
      detail: "",
      amount: 4,
    });
    expect(harness.api.evictions).toEqual([`${NAMESPACES.shop}/payments-v1-0`]);
    expect(harness.api.requests.filter((r) => r.status === 403)).toEqual([]);
    // An HPA the policy does not name is out of reach.
    await expect(
      actuator.apply(NAMESPACES.shop, owner, {
        kind: "scale-out",
        service: "x",
        target: "unrelated",
        detail: "",
        amount: 2,
      }),
    ).rejects.toThrow(/403|forbidden/);
  });

  test("an environment's autoscaling goes into its service's intent, naming every version's HPA", () => {
    const spec = intents(synthGitOpsTree(dev).optimizer).frontend as unknown as { autoscaling: object };
    expect(spec.autoscaling).toEqual({ horizontalPodAutoscalers: { v1: "frontend-v1" } });
    const shop = synthGitOpsTree(dev).shop;
    expect(shop.some((m) => m.kind === "HorizontalPodAutoscaler" && m.metadata.name === "frontend-v1")).toBe(
      true,
    );
  });

  test.each([
    [
      { autoscaling: { frontdoor: {} } },
      "optimizer.autoscaling names 'frontdoor', which is not a shop service",
    ],
    [
      { autoscaling: { frontend: { quantile: 2 } } },
      "optimizer.autoscaling.frontend: spec.autoscaling.quantile: must be <= 0.99",
    ],
  ])("a wrong autoscaling setting fails at synth naming it: %j", (optimizerConfig, message) => {
    expect(() => synthGitOpsTree({ ...dev, optimizer: optimizerConfig })).toThrow(message);
  });

  test("with autoscaling, the Roles let it read every HPA and patch only those the intents name", async () => {
    const scaling = {
      ...dev,
      optimizer: { ...dev.optimizer, autoscaling: { catalog: { mode: "act" as const } } },
    };
    const tree = synthGitOpsTree(scaling).optimizer;
    const roles = new Map<string, RbacRule[]>();
    for (const role of tree.filter((m) => m.kind === "Role" && m.metadata.name === "meshpilot-optimizer"))
      roles.set(role.metadata.namespace as string, (role as unknown as { rules: RbacRule[] }).rules);
    const hpaRules = (roles.get(NAMESPACES.shop) ?? []).filter((r) =>
      r.resources.includes("horizontalpodautoscalers"),
    );
    expect(hpaRules).toEqual([
      {
        apiGroups: ["autoscaling"],
        resources: ["horizontalpodautoscalers"],
        verbs: ["get", "list", "watch"],
      },
      {
        apiGroups: ["autoscaling"],
        resources: ["horizontalpodautoscalers"],
        verbs: ["patch"],
        resourceNames: ["catalog-v1", "catalog-v2"],
      },
    ]);
    let clock = Date.parse("2026-03-02T12:00:00Z");
    h = await optimizerHarness(
      new ScriptedTelemetry(
        () => ({ v1: { p99Ms: 50, rps: 50 }, v2: { p99Ms: 50, rps: 50 } }),
        () => 600,
      ),
      {
        mode: "observe",
        algorithm: "hold",
        autoscaling: {
          mode: "act",
          forecaster: "seasonal-naive",
          horizontalPodAutoscalers: { v1: "catalog-v1" },
        },
      },
      { podNamespace: NAMESPACES.optimizer, now: () => clock },
      roles,
    );
    for (const name of ["catalog-v1", "orders-v1"])
      h.api.put(
        hpaObject(NAMESPACES.shop, name, {
          min: 2,
          max: 10,
          targetPercent: 70,
          current: 2,
          utilizationPercent: 50,
        }),
      );
    await h.settled();
    await h.step();
    const api = h.api;
    const minReplicas = (name: string) =>
      (
        api.get("autoscaling/v2", "HorizontalPodAutoscaler", NAMESPACES.shop, name) as unknown as {
          spec: { minReplicas: number };
        }
      ).spec.minReplicas;
    expect(minReplicas("catalog-v1")).toBe(6);
    h.api.remove("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NAMESPACES.shop, "catalog");
    await h.settled();
    clock += 60_000;
    await h.step();
    expect(minReplicas("catalog-v1")).toBe(2);
    expect(minReplicas("orders-v1")).toBe(2);
    expect(h.api.requests.filter((r) => r.status === 403)).toEqual([]);
  });

  test("the double enforces the Roles: without the delete right, turning hedging off is refused", async () => {
    const roles = rolesByNamespace();
    roles.set(
      NAMESPACES.shop,
      (roles.get(NAMESPACES.shop) ?? []).map((r) => ({
        ...r,
        verbs: r.verbs.filter((v) => !(r.resources.includes("envoyfilters") && v === "delete")),
      })),
    );
    h = await optimizerHarness(
      new ScriptedTelemetry(() => ({ v1: { p99Ms: 50 }, v2: { p99Ms: 400 } })),
      {},
      { podNamespace: NAMESPACES.optimizer },
      roles,
    );
    await h.step();
    const intent = h.intent() as { spec: object } & Record<string, unknown>;
    h.api.put({ ...intent, spec: { ...intent.spec, mode: "observe" } });
    await h.settled();
    await h.step();
    expect(h.api.requests.filter((r) => r.status === 403).map((r) => `${r.method} ${r.path}`)).toEqual([
      "DELETE /apis/networking.istio.io/v1alpha3/namespaces/shop/envoyfilters/meshpilot-hedge-catalog",
    ]);
  });
});
