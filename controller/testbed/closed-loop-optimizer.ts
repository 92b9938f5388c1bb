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
