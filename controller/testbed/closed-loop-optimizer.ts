/** The optimizer as both closed-loop tests run it: a fast interval and window over a one-second scrape. */
import type { Writable } from "node:stream";
import { type RunningOptimizer, startOptimizer } from "../optimizer.js";

export function closedLoopOptimizer(
  kubeServer: string,
  prometheusUrl: string,
  namespaces: readonly string[],
  audit: Writable,
): Promise<RunningOptimizer> {
  return startOptimizer({
    prometheusUrl,
    kubeServer,
    namespaces: [...namespaces],
    podNamespace: "meshpilot-optimizer",
    podName: "optimizer-0",
    intervalMs: 2000,
    windowMs: 4000,
    stateConfigMap: "meshpilot-optimizer-state",
    leaseName: "meshpilot-optimizer",
    audit,
    seed: 1,
    log: { info: () => undefined, warn: () => undefined },
  });
}

/** Everything a closed-loop test started, stopped in the order that leaves nothing running. */
export async function stopClosedLoop(parts: {
  readonly optimizer?: RunningOptimizer;
  readonly meshes: readonly { stop(): void }[];
  readonly prometheus?: { stop(): Promise<void> };
  readonly exporter: { close(): Promise<void> };
  readonly api: { close(): Promise<void> };
}): Promise<void> {
  await parts.optimizer?.stop();
  for (const mesh of parts.meshes) mesh.stop();
  await parts.prometheus?.stop();
  await parts.exporter.close();
  await parts.api.close();
}
