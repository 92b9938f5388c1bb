/**
 * The optimizer's Kubernetes clients, all from `@kubernetes/client-node`: in a pod, the service
 * account's in-cluster config; elsewhere (tests, a developer's laptop) an explicit server URL.
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
} from "@kubernetes/client-node";

export interface KubeClients {
  readonly config: KubeConfig;
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
  readonly core: CoreV1Api;
}

/** @param server an API server URL; without it, the in-cluster service account config. */
export function kubeClients(server?: string): KubeClients {
  const config = new KubeConfig();
  if (server) {
    // The client refuses plain HTTP unless TLS checks are off; allow that only on loopback (the test double).
    const loopbackHttp = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(server);
    if (server.startsWith("http:") && !loopbackHttp)
      throw new Error(`KUBE_SERVER ${server} is plain HTTP off loopback; use https://`);
    config.loadFromOptions({
      clusters: [{ name: "target", server, skipTLSVerify: loopbackHttp }],
      users: [{ name: "optimizer" }],
      contexts: [{ name: "target", cluster: "target", user: "optimizer" }],
      currentContext: "target",
    });
  } else {
    config.loadFromCluster();
  }
  return {
    config,
    objects: KubernetesObjectApi.makeApiClient(config),
    custom: config.makeApiClient(CustomObjectsApi),
    coordination: config.makeApiClient(CoordinationV1Api),
    core: config.makeApiClient(CoreV1Api),
  };
}

/** The HTTP status of a failed API call, or undefined for a network error or timeout. */
export function statusOf(e: unknown): number | undefined {
  const code =
    (e as { code?: unknown; statusCode?: unknown }).code ?? (e as { statusCode?: unknown }).statusCode;
  return typeof code === "number" ? code : undefined;
}

/** The API server's message for a failed call, for logs, events and conditions. */
export function describeError(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      const status = JSON.parse(body) as { message?: string; code?: number };
      if (status.message) return `${status.code ?? statusOf(e)}: ${status.message}`;
    } catch {
      // not a Status body
    }
  }
  if (typeof body === "object" && body && "message" in body)
    return String((body as { message: unknown }).message);
  return (e as Error).message ?? String(e);
}
