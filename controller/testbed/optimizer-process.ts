/**
 * The optimizer in a process of its own, stepped over stdin, for tests that must kill it for
 * real (SIGKILL: no stop(), no last save). It talks to the API double at KUBE_SERVER through the
 * real client and reads telemetry from a script in which v2 is slow, so every step wants to move
 * traffic off v2. Prints "ready" once started and "stepped" after each interval; "settle <namespace>
 * <name> <resourceVersion>" prints "settled" once the intent cache holds that version.
 */
import { createInterface } from "node:readline";
import { startOptimizer } from "../optimizer.js";
import { ScriptedTelemetry } from "./scripted-telemetry.js";

const server = process.env.KUBE_SERVER;
if (!server) throw new Error("KUBE_SERVER must name the API double");
const optimizer = await startOptimizer({
  prometheusUrl: "http://127.0.0.1:9",
  kubeServer: server,
  namespaces: [process.env.NAMESPACE ?? "shop"],
  podNamespace: "meshpilot-optimizer",
  podName: "optimizer-0",
  intervalMs: 1000,
  stateConfigMap: "meshpilot-optimizer-state",
  leaseName: "meshpilot-optimizer",
  audit: process.stderr,
  seed: 1,
  log: { info: () => undefined, warn: (f, m) => process.stderr.write(`${m} ${JSON.stringify(f)}\n`) },
  metricsSource: new ScriptedTelemetry(() => ({ v1: { p99Ms: 50 }, v2: { p99Ms: 400 } })),
  manual: true,
  // Only the saves the reconciler makes on its own account: none on a decision count.
  saveEvery: 1_000_000,
  apiTimeoutMs: 2000,
});
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  const [command, namespace, name, version] = line.split(" ");
  if (command === "step") {
    await optimizer.reconciler.reconcile();
    process.stdout.write("stepped\n");
  } else if (command === "settle") {
    // Waits on the watch itself; the caller's test timeout bounds a lost event.
    while (optimizer.reconciler.cachedVersion("TrafficIntent", namespace, name) !== version)
      await new Promise((r) => setTimeout(r, 5));
    process.stdout.write("settled\n");
  }
}
await optimizer.stop();
