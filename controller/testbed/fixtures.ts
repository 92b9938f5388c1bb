/** Objects the controller's tests seed the API double with: routing as Git would set it, and intents. */
import { INTENT_API_VERSION, INTENT_KIND, type TrafficIntentSpec } from "../../api/intent/schema.js";

export function hostOf(namespace: string, app: string): string {
  return `${app}.${namespace}.svc.cluster.local`;
}

/** A VirtualService splitting the app's traffic over its subsets, and the DestinationRule naming them. */
export function routingObjects(
  namespace: string,
  app: string,
  weights: Readonly<Record<string, number>>,
  port = 8080,
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
            retryOn: "connect-failure,refused-stream,unavailable",
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
      subsets: Object.keys(weights).map((name) => ({ name, labels: { version: name } })),
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
