/**
 * The benchmark's world, in its own process so that its CPU and memory never count against the
 * optimizer's: the Kubernetes API double seeded with N destinations (VirtualService,
 * DestinationRule and a TrafficIntent each) and the Istio exporter serving their steady traffic.
 * Prints one JSON line with both addresses, then serves until killed.
 *
 *   tsx controller/bench/mesh-fixture.ts <intents>
 */
import { intentObject, routingObjects } from "../testbed/fixtures.js";
import { IstioExporter } from "../testbed/istio-exporter.js";
import { KubeApiDouble } from "../testbed/kube-api-double.js";

import { BENCH_NAMESPACE } from "./mesh-fixture-names.js";

const count = Number(process.argv[2] ?? 500);
const api = new KubeApiDouble();
const exporter = new IstioExporter();
for (let i = 0; i < count; i++) {
  const app = `svc-${String(i).padStart(3, "0")}`;
  const { virtualService, destinationRule } = routingObjects(BENCH_NAMESPACE, app, { v1: 50, v2: 50 });
  api.put(virtualService, "argocd-controller");
  api.put(destinationRule, "argocd-controller");
  // Both learners, in observe: every intent is decided on every pass, as in a cold-start fleet.
  api.put(
    intentObject(BENCH_NAMESPACE, app, {
      mode: "observe",
      algorithm: i % 2 === 0 ? "q-learning" : "thompson-hedging",
      guardrails: { allowHedging: true },
    }),
  );
  for (const [version, latencyMs] of [
    ["v1", 20],
    ["v2", 40 + (i % 7) * 20],
  ] as const) {
    exporter.addWorkload({
      host: virtualService.spec.hosts[0],
      namespace: BENCH_NAMESPACE,
      app,
      version,
      pods: 2,
      cpuLimitCores: 1,
    });
    exporter.setLoad(virtualService.spec.hosts[0], version, {
      rps: 50,
      errorRatio: 0.001,
      latencyMs,
      cpuCores: 0.3,
    });
  }
}
const kube = await api.listen();
const metrics = await exporter.listen();
process.stdout.write(`${JSON.stringify({ kube, exporter: metrics })}\n`);
