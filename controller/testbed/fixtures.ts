/** Objects the controller's tests seed the API double with: routing as Git would set it, and intents. */
import { INTENT_API_VERSION, INTENT_KIND, type TrafficIntentSpec } from "../../api/intent/schema.js";
import {
  LANE_LABEL,
  LANE_QUARANTINE,
  LANE_SERVING,
  LANE_SUBSET,
  SAFE_RETRY_ON,
} from "../../api/optimizer.js";

export function hostOf(namespace: string, app: string): string {
  return `${app}.${namespace}.svc.cluster.local`;
}

/** A VirtualService splitting the app's traffic over its subsets, and the DestinationRule naming them. */
export function routingObjects(
  namespace: string,
  app: string,
  weights: Readonly<Record<string, number>>,
  port = 8080,
  /** Subsets that select the lane label, and the lane's own subset, as the shop's charts set them. */
  lanes = false,
) {
  const host = hostOf(namespace, app);
  const virtualService = {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: app, namespace },
    spec: {
      hosts: [host],
      http: [
        {
          name: "primary",
          route: Object.entries(weights).map(([subset, weight]) => ({
            destination: { host, subset, port: { number: port } },
            weight,
          })),
          retries: {
            attempts: 2,
            perTryTimeout: "2s",
            retryOn: SAFE_RETRY_ON,
          },
        },
      ],
    },
  };
  const destinationRule = {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: app, namespace },
    spec: {
      host,
      trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } },
      subsets: [
        ...Object.keys(weights).map((name) => ({
          name,
          labels: { version: name, ...(lanes ? { [LANE_LABEL]: LANE_SERVING } : {}) },
        })),
        ...(lanes ? [{ name: LANE_SUBSET, labels: { [LANE_LABEL]: LANE_QUARANTINE } }] : []),
      ],
    },
  };
  return { virtualService, destinationRule };
}

export function intentObject(namespace: string, app: string, spec: Partial<TrafficIntentSpec> = {}) {
  return {
    apiVersion: INTENT_API_VERSION,
    kind: INTENT_KIND,
    metadata: { name: app, namespace },
    spec: {
      target: { host: hostOf(namespace, app), virtualService: app, destinationRule: app },
      objectives: { p99LatencyMs: 100, errorRate: 0.001 },
      algorithm: "thompson-hedging",
      mode: "act",
      guardrails: { minWeight: 5, maxStep: 10, cooldownSeconds: 0, allowHedging: true },
      ...spec,
    },
  };
}

/** A running pod of the app's version, labelled as the shop's Deployments label theirs. */
export function podObject(namespace: string, app: string, name: string, version: string, lane = true) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      labels: { app, version, ...(lane ? { [LANE_LABEL]: LANE_SERVING } : {}) },
    },
    spec: { containers: [{ name: "app", image: `${app}:1` }] },
  };
}

/**
 * A version's HorizontalPodAutoscaler as the shop's charts declare it (CPU target, the scale-up and
 * scale-down behaviour), with the status the HPA controller would have written.
 */
export function hpaObject(
  namespace: string,
  name: string,
  o: { min: number; max: number; targetPercent: number; current: number; utilizationPercent?: number },
) {
  const cpu = { type: "Resource", resource: { name: "cpu" } };
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicas: o.min,
      maxReplicas: o.max,
      metrics: [
        {
          ...cpu,
          resource: { ...cpu.resource, target: { type: "Utilization", averageUtilization: o.targetPercent } },
        },
      ],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: "Max",
          policies: [{ type: "Pods", value: 4, periodSeconds: 60 }],
        },
        scaleDown: { stabilizationWindowSeconds: 300 },
      },
    },
    status: {
      currentReplicas: o.current,
      desiredReplicas: o.current,
      ...(o.utilizationPercent === undefined
        ? {}
        : {
            currentMetrics: [
              {
                ...cpu,
                resource: { ...cpu.resource, current: { averageUtilization: o.utilizationPercent } },
              },
            ],
          }),
    },
  };
}

/** A Deployment of one version of an app, as the shop's tree declares it. */
export function deploymentObject(namespace: string, app: string, version: string, image: string) {
  const labels = { app, version };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `${app}-${version}`, namespace, labels },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: app, image }] } },
    },
  };
}

/** An Argo CD Application with its sync history: each entry a revision and when it was deployed. */
export function applicationObject(
  namespace: string,
  name: string,
  history: readonly { readonly revision: string; readonly deployedAt: string }[],
) {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name, namespace },
    spec: { project: "default", source: { repoURL: "https://git.example/tree.git", path: `apps/${name}` } },
    status: {
      history: history.map((h, id) => ({
        ...h,
        id,
        source: { repoURL: "https://git.example/tree.git", path: `apps/${name}` },
      })),
    },
  };
}
