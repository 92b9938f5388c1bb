/**
 * The service the autoscaling benchmark scales and how its replicas start, in one place so the
 * document can print it. The objective and the replica bounds are the shop model's frontend's; the
 * HPA is the one the tree gives every Deployment (MeshService: CPU at 70% of requests, the default
 * behavior). Capacity and latency are stated, not measured: a replica serves 120 requests per second
 * at 100% of its CPU request, and 60 ms of every request is spent outside its queue.
 */

import { Random } from "../../common/random.js";
import { SHOP_SERVICES } from "../../config/shop.js";
import { nodeProvisionMs, type StartupProfile, startupMs } from "./fleet.js";
import { HPA_DEFAULT_SCALE_DOWN, HPA_DEFAULT_SCALE_UP, type HpaSpec } from "./hpa-model.js";
import type { ServiceProfile } from "./service-model.js";

/** MeshService's targetCpuUtilization default. */
export const TREE_HPA_TARGET = 0.7;

export interface AutoscalingProfile {
  readonly serviceName: string;
  readonly service: ServiceProfile;
  readonly startup: StartupProfile;
  readonly hpa: HpaSpec;
}

export function autoscalingProfile(name = "frontend"): AutoscalingProfile {
  const shop = SHOP_SERVICES.find((s) => s.name === name);
  if (!shop) throw new Error(`no shop service '${name}'`);
  return {
    serviceName: name,
    service: {
      capacityRps: 120,
      baseLatencyMs: 60,
      p99ObjectiveMs: shop.slo.p99LatencyMs,
      timeoutMs: 10_000,
    },
    startup: {
      // Half the nodes have the image; a pull from ECR of a ~300 MB image takes tens of seconds.
      imageCachedShare: 0.5,
      pull: { meanSeconds: 40, cv: 0.5 },
      start: { meanSeconds: 12, cv: 0.3 },
      // The readiness probe's period (5 s) times its success threshold, after a start delay.
      readinessSeconds: [5, 15],
      // Karpenter launches a node for pending pods in tens of seconds; an empty one goes after 30 s.
      nodes: { podsPerNode: 4, provision: { meanSeconds: 55, cv: 0.25 }, emptyForSeconds: 30 },
    },
    hpa: {
      minReplicas: shop.replicas.min,
      maxReplicas: shop.replicas.max,
      targetUtilization: TREE_HPA_TARGET,
      scaleUp: HPA_DEFAULT_SCALE_UP,
      scaleDown: HPA_DEFAULT_SCALE_DOWN,
    },
  };
}

/**
 * The q-quantile of the time from asking for a replica to its being ready, when it needs a new node
 * (the slow case the scaler must plan for), from 4000 seeded draws of the profile's distributions.
 */
export function readyTimeQuantileMs(startup: StartupProfile, q: number, seed = 1): number {
  const random = new Random(seed);
  const draws: number[] = [];
  for (let i = 0; i < 4000; i++)
    draws.push(startupMs(startup, random) + (startup.nodes ? nodeProvisionMs(startup.nodes, random) : 0));
  draws.sort((a, b) => a - b);
  return draws[Math.min(draws.length - 1, Math.floor(q * draws.length))];
}
