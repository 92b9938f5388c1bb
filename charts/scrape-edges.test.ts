import { ENVIRONMENTS } from "../config/environments.js";
import { NAMESPACES, PROMETHEUS_POD_LABELS } from "../constructs/k8s/namespaces.js";
import type { Manifest } from "../constructs/k8s/schemas.js";
import { synthGitOpsTree } from "./gitops-tree.js";

type Obj = Record<string, any>;
/** Envoy's merged stats port: the sidecar injector adds it, so no manifest in Git names it. */
const ENVOY_PORTS: Record<string, number> = { "http-envoy-prom": 15090 };

const matches = (selector: Obj | undefined, labels: Obj) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector?.matchExpressions ?? []).every((e: Obj) =>
    e.operator === "Exists"
      ? k(e.key) in labels
      : e.operator === "In"
        ? e.values.includes(labels[e.key])
        : false,
  );
const k = (key: string) => key;

interface Target {
  readonly pod: Manifest;
  readonly port: number;
  readonly monitor: string;
}

/** Every (pod, port) a PodMonitor or ServiceMonitor in the tree makes Prometheus scrape. */
function scrapeTargets(all: Manifest[], meshedNamespaces: string[]): Target[] {
  const pods = all.filter((m) => m.kind === "Deployment");
  // The injector labels meshed pods with their TLS mode at admission, as it adds Envoy's port.
  const podLabels = (d: Manifest): Obj => ({
    ...(d.spec as Obj).template.metadata.labels,
    ...(meshedNamespaces.includes(d.metadata.namespace ?? "")
      ? { "security.istio.io/tlsMode": "istio" }
      : {}),
  });
  const containerPort = (d: Manifest, name: string) =>
    ENVOY_PORTS[name] ??
    ((d.spec as Obj).template.spec.containers as Obj[])
      .flatMap((c) => c.ports ?? [])
      .find((p: Obj) => p.name === name)?.containerPort;
  const inNamespaces = (m: Manifest, d: Manifest) => {
    const names = (m.spec as Obj).namespaceSelector?.matchNames ?? [m.metadata.namespace];
    return names.includes(d.metadata.namespace);
  };
  const targets: Target[] = [];
  for (const m of all.filter((x) => x.kind === "PodMonitor")) {
    for (const d of pods.filter(
      (p) => inNamespaces(m, p) && matches((m.spec as Obj).selector, podLabels(p)),
    )) {
      for (const e of (m.spec as Obj).podMetricsEndpoints) {
        // Envoy's port exists only where a sidecar is injected.
        if (ENVOY_PORTS[e.port] && !meshedNamespaces.includes(d.metadata.namespace ?? "")) continue;
        targets.push({ pod: d, port: containerPort(d, e.port), monitor: m.metadata.name });
      }
    }
  }
  for (const m of all.filter((x) => x.kind === "ServiceMonitor")) {
    const services = all.filter(
      (s) =>
        s.kind === "Service" &&
        inNamespaces(m, s) &&
        matches((m.spec as Obj).selector, s.metadata.labels ?? {}),
    );
    for (const s of services) {
      for (const e of (m.spec as Obj).endpoints) {
        const port = ((s.spec as Obj).ports as Obj[]).find((p) => p.name === e.port);
        for (const d of pods.filter(
          (p) =>
            p.metadata.namespace === s.metadata.namespace &&
            matches({ matchLabels: (s.spec as Obj).selector }, podLabels(p)),
        ))
          targets.push({ pod: d, port: Number(port?.targetPort ?? port?.port), monitor: m.metadata.name });
      }
    }
  }
  return targets;
}

/** Why Prometheus could not scrape a target: no NetworkPolicy admits it, or the sidecar would refuse it. */
function scrapeGaps(all: Manifest[], meshedNamespaces: string[]): string[] {
  const gaps: string[] = [];
  for (const t of scrapeTargets(all, meshedNamespaces)) {
    const labels = (t.pod.spec as Obj).template.metadata.labels as Obj;
    const where = `${t.monitor} -> ${t.pod.metadata.namespace}/${t.pod.metadata.name}:${t.port}`;
    const admitted = all.some(
      (np) =>
        np.kind === "NetworkPolicy" &&
        np.metadata.namespace === t.pod.metadata.namespace &&
        matches((np.spec as Obj).podSelector, labels) &&
        ((np.spec as Obj).ingress ?? []).some(
          (rule: Obj) =>
            (rule.ports ?? []).some((p: Obj) => p.port === t.port) &&
            (rule.from ?? []).some(
              (peer: Obj) =>
                peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] ===
                  NAMESPACES.observability && matches(peer.podSelector, PROMETHEUS_POD_LABELS),
            ),
        ),
    );
    if (!admitted) gaps.push(`${where}: no NetworkPolicy admits Prometheus`);
    // Prometheus has no sidecar: with STRICT mTLS, a meshed app port must bypass the sidecar.
    const meshed = meshedNamespaces.includes(t.pod.metadata.namespace ?? "");
    const excluded = String(
      (t.pod.spec as Obj).template.metadata.annotations?.["traffic.sidecar.istio.io/excludeInboundPorts"] ??
        "",
    )
      .split(",")
      .includes(String(t.port));
    if (meshed && !Object.values(ENVOY_PORTS).includes(t.port) && !excluded)
      gaps.push(`${where}: the sidecar intercepts it and Prometheus has no mesh identity`);
  }
  return gaps;
}

describe.each(ENVIRONMENTS.map((e) => [e.name, e] as const))("scrape edges in %s", (_, env) => {
  const tree = synthGitOpsTree(env);
  const all = Object.values(tree).flat();
  const meshed = all
    .filter((m) => m.kind === "Namespace" && m.metadata.labels?.["istio-injection"] === "enabled")
    .map((m) => m.metadata.name);

  it("every monitored pod and port is one Prometheus can reach", () => {
    const targets = scrapeTargets(all, meshed);
    // Each shop service twice (Envoy and its own metrics) per version, plus the optimizer.
    expect(targets.filter((t) => t.monitor === "shop-app-metrics").length).toBeGreaterThanOrEqual(7);
    expect(targets.filter((t) => t.monitor === "envoy-stats").length).toBeGreaterThanOrEqual(7);
    expect(targets.filter((t) => t.monitor === "meshpilot-optimizer")).toHaveLength(1);
    expect(scrapeGaps(all, meshed)).toEqual([]);
  });

  it("flags a NetworkPolicy that forgets Prometheus, and a metrics port left to the sidecar", () => {
    const broken = all.map((m) => {
      if (m.kind === "NetworkPolicy" && m.metadata.name === "catalog")
        return { ...m, spec: { ...(m.spec as Obj), ingress: [(m.spec as Obj).ingress[0]] } };
      if (m.kind === "Deployment" && m.metadata.name.startsWith("cart")) {
        const spec = structuredClone(m.spec as Obj);
        delete spec.template.metadata.annotations["traffic.sidecar.istio.io/excludeInboundPorts"];
        return { ...m, spec };
      }
      return m;
    });
    const gaps = scrapeGaps(broken, meshed);
    expect(gaps).toContainEqual(
      expect.stringMatching(/^shop-app-metrics -> shop\/catalog.*:9464: no NetworkPolicy admits Prometheus$/),
    );
    expect(gaps).toContainEqual(
      expect.stringMatching(/^envoy-stats -> shop\/catalog.*:15090: no NetworkPolicy admits Prometheus$/),
    );
    expect(gaps).toContainEqual(
      expect.stringMatching(/^shop-app-metrics -> shop\/cart.*:9464: the sidecar intercepts it/),
    );
  });
});
