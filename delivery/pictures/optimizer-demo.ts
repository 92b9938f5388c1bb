/**
 * The optimizer's half of the pictures: the real optimizer acting on one simulated destination, as
 * the closed-loop test runs it, so the dashboards' optimizer row and decision marks show what it
 * did. The destination's replicas are the simulator's (v2 browns out partway through); its
 * telemetry goes through the Istio exporter and the same Prometheus; its routing lives in the
 * Kubernetes API double. The local shop has no VirtualServices to act on, so this is the part of
 * the pictures that is simulated, and the pictures say so.
 */
import { PassThrough } from "node:stream";
import { freePort } from "../../common/free-port.js";
import { startOptimizer } from "../../controller/optimizer.js";
import type { SimulationConfig } from "../../controller/sim/engine.js";
import { intentObject, routingObjects } from "../../controller/testbed/fixtures.js";
import { IstioExporter } from "../../controller/testbed/istio-exporter.js";
import { KubeApiDouble } from "../../controller/testbed/kube-api-double.js";
import { LiveMesh } from "../../controller/testbed/live-mesh.js";

export const DEMO_NAMESPACE = "optimizer-demo";
const APP = "catalog";

function meshConfig(durationMs: number, brownoutFromMs: number): SimulationConfig {
  const replica = (subset: string) => ({
    subset,
    slots: 4,
    serviceTime: { kind: "lognormal" as const, meanMs: 20, cv: 1 },
  });
  return {
    seed: 11,
    durationMs: durationMs * 2,
    replicas: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => replica(i < 4 ? "v1" : "v2")),
    arrivals: { kind: "poisson", rps: 200 },
    clientTimeoutMs: 2000,
    faults: [4, 5, 6, 7].map((r) => ({
      kind: "brownout" as const,
      replica: r,
      factor: 10,
      fromMs: brownoutFromMs,
      toMs: durationMs * 2,
    })),
    routing: { algorithm: "LEAST_REQUEST", weights: { v1: 50, v2: 50 } },
  };
}

export interface OptimizerDemo {
  /** host:port pairs for Prometheus: the exporter and the optimizer's /metrics. */
  readonly targets: readonly string[];
  /** Starts the optimizer once Prometheus is scraping. */
  start(prometheusUrl: string): Promise<void>;
  stop(): Promise<void>;
}

/** v2 of the demo destination browns out `brownoutFromMs` into the run. */
export async function optimizerDemo(durationMs: number, brownoutFromMs: number): Promise<OptimizerDemo> {
  const api = new KubeApiDouble();
  const exporter = new IstioExporter();
  const mesh = new LiveMesh({
    namespace: DEMO_NAMESPACE,
    app: APP,
    config: meshConfig(durationMs, brownoutFromMs),
    exporter,
  });
  const kubeServer = await api.listen();
  const { virtualService, destinationRule } = routingObjects(DEMO_NAMESPACE, APP, { v1: 50, v2: 50 });
  api.put(virtualService, "argocd-controller");
  api.put(destinationRule, "argocd-controller");
  api.put(intentObject(DEMO_NAMESPACE, APP, { mode: "act" }));
  mesh.follow(api, APP, APP);
  const exporterTarget = await exporter.listen();
  let optimizer: Awaited<ReturnType<typeof startOptimizer>> | undefined;
  // The optimizer's metrics port is chosen before Prometheus starts: it is one of the targets.
  const metricsPort = await freePort();
  mesh.start();
  return {
    targets: [exporterTarget, `127.0.0.1:${metricsPort}`],
    async start(prometheusUrl) {
      optimizer = await startOptimizer({
        prometheusUrl,
        kubeServer,
        namespaces: [DEMO_NAMESPACE],
        podNamespace: "meshpilot-system",
        podName: "optimizer-0",
        intervalMs: 10_000,
        windowMs: 30_000,
        stateConfigMap: "meshpilot-optimizer-state",
        leaseName: "meshpilot-optimizer",
        audit: new PassThrough().resume(),
        seed: 1,
        port: metricsPort,
        log: { info: () => undefined, warn: () => undefined },
      });
    },
    async stop() {
      await optimizer?.stop();
      mesh.stop();
      await exporter.close();
      await api.close();
    },
  };
}
