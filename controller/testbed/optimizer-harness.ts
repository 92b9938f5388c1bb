/**
 * One optimizer against a fresh API double, stepped by hand: the tests call `step()` for one
 * control interval. Leader election, the actuator, the status and event writes, and the state
 * ConfigMap all go through the real @kubernetes/client-node to the double.
 */
import { PassThrough } from "node:stream";
import type { MetricsSource } from "../metrics/source.js";
import { type OptimizerConfig, type RunningOptimizer, startOptimizer } from "../optimizer.js";
import type { AuditRecord } from "../telemetry/audit.js";
import { intentObject, routingObjects } from "./fixtures.js";
import { KubeApiDouble, type RbacRule } from "./kube-api-double.js";

export const NS = "shop";
export const APP = "catalog";

export interface Harness {
  readonly api: KubeApiDouble;
  readonly server: string;
  optimizer: RunningOptimizer;
  readonly audit: AuditRecord[];
  readonly warnings: string[];
  step(): Promise<void>;
  /** Resolves once the optimizer's caches hold what the double holds for the intent, its targets and the HPAs. */
  settled(): Promise<void>;
  /** Starts another optimizer process on the same double (a restart, or a second replica). */
  start(overrides?: Partial<OptimizerConfig>): Promise<RunningOptimizer>;
  close(): Promise<void>;
  weights(): Record<string, number>;
  intent(): { spec: Record<string, unknown>; status?: IntentStatusView };
  events(reason?: string): { reason: string; message: string; type: string }[];
}

export interface IntentStatusView {
  observedGeneration?: number;
  rollout?: {
    phase: string;
    canaryWeight: number;
    reason: string;
    exposurePercentMinutes: number;
    evidence: Record<string, unknown>[];
    gitChange?: { subset: string; image?: string; message: string };
  };
  conditions: { type: string; status: string; reason: string; message: string }[];
  weights?: Record<string, number>;
  lastDecision?: { at: string; kind: string; explanation: string };
}

export async function optimizerHarness(
  telemetry: MetricsSource,
  intentSpec: Parameters<typeof intentObject>[2] = {},
  overrides: Partial<OptimizerConfig> = {},
  roles?: ReadonlyMap<string, readonly RbacRule[]>,
  /** The routing Git declares before the optimizer starts. */
  declared: Readonly<Record<string, number>> = { v1: 50, v2: 50 },
): Promise<Harness> {
  const api = new KubeApiDouble();
  if (roles) api.authorizeWith(roles);
  const server = await api.listen();
  const { virtualService, destinationRule } = routingObjects(NS, APP, declared);
  api.put(virtualService, "argocd-controller");
  api.put(destinationRule, "argocd-controller");
  api.put(intentObject(NS, APP, intentSpec));
  const audit: AuditRecord[] = [];
  const warnings: string[] = [];
  const running: RunningOptimizer[] = [];
  const start = async (more: Partial<OptimizerConfig> = {}) => {
    const sink = new PassThrough();
    sink.on("data", (c: Buffer) => {
      for (const line of c.toString().split("\n").filter(Boolean))
        audit.push(JSON.parse(line) as AuditRecord);
    });
    const o = await startOptimizer({
      prometheusUrl: "http://127.0.0.1:9",
      kubeServer: server,
      namespaces: [NS],
      podNamespace: "meshpilot-optimizer",
      podName: "optimizer-0",
      intervalMs: 1000,
      stateConfigMap: "meshpilot-optimizer-state",
      leaseName: "meshpilot-optimizer",
      audit: sink,
      seed: 1,
      log: { info: () => undefined, warn: (f, m) => warnings.push(`${m} ${JSON.stringify(f)}`) },
      metricsSource: telemetry,
      manual: true,
      baseBackoffMs: 5,
      apiTimeoutMs: 1000,
      saveEvery: 1,
      ...overrides,
      ...more,
    });
    running.push(o);
    return o;
  };
  const h: Harness = {
    api,
    server,
    optimizer: await start(),
    audit,
    warnings,
    start,
    step: () => h.optimizer.reconciler.reconcile(),
    async settled() {
      const watched = [
        ["optimizer.meshpilot.io/v1alpha1", "TrafficIntent"],
        ["networking.istio.io/v1", "VirtualService"],
        ["networking.istio.io/v1", "DestinationRule"],
      ] as const;
      const version = (o: unknown) =>
        (o as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
      const hpas = () =>
        (api.list("autoscaling/v2", "HorizontalPodAutoscaler") as { metadata: { name: string } }[]).filter(
          (o) =>
            h.optimizer.reconciler.cachedVersion("HorizontalPodAutoscaler", NS, o.metadata.name) !==
            version(o),
        );
      const behind = () => [
        ...watched.filter(
          ([apiVersion, kind]) =>
            h.optimizer.reconciler.cachedVersion(kind, NS, APP) !==
            version(api.get(apiVersion, kind, NS, APP)),
        ),
        ...hpas().map((o) => ["autoscaling/v2", `HorizontalPodAutoscaler ${o.metadata.name}`] as const),
      ];
      // Waits on the watch events themselves; the bound only turns a lost event into a clear failure.
      for (let polls = 0; behind().length > 0; polls++) {
        if (polls > 2000) throw new Error(`the optimizer's cache never saw ${behind().map(([, k]) => k)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      for (const o of running) await o.stop().catch(() => undefined);
      await api.close();
    },
    weights() {
      const vs = api.get("networking.istio.io/v1", "VirtualService", NS, APP) as unknown as {
        spec: { http: { route: { destination: { subset: string }; weight: number }[] }[] };
      };
      return Object.fromEntries(vs.spec.http[0].route.map((r) => [r.destination.subset, r.weight]));
    },
    intent() {
      return api.get("optimizer.meshpilot.io/v1alpha1", "TrafficIntent", NS, APP) as unknown as never;
    },
    events(reason) {
      return (
        api.list("v1", "Event") as unknown as { reason: string; message: string; type: string }[]
      ).filter((e) => reason === undefined || e.reason === reason);
    },
  };
  return h;
}
