/**
 * Upstream Helm charts the GitOps tree installs through Argo CD, each at a pinned version.
 *
 * Bump a version here and nowhere else; the tests read these too.
 */
export interface UpstreamChart {
  readonly repoUrl: string;
  readonly chart: string;
  readonly version: string;
}

const ISTIO = "https://istio-release.storage.googleapis.com/charts";
export const ISTIO_VERSION = "1.27.3";

export const UPSTREAM_CHARTS = {
  istioBase: { repoUrl: ISTIO, chart: "base", version: ISTIO_VERSION },
  istioCni: { repoUrl: ISTIO, chart: "cni", version: ISTIO_VERSION },
  istiod: { repoUrl: ISTIO, chart: "istiod", version: ISTIO_VERSION },
  istioGateway: { repoUrl: ISTIO, chart: "gateway", version: ISTIO_VERSION },
  kubePrometheusStack: {
    repoUrl: "https://prometheus-community.github.io/helm-charts",
    chart: "kube-prometheus-stack",
    version: "88.3.0",
  },
  // The open-source Loki chart moved to grafana-community in 2026; Alloy stayed with Grafana Labs.
  loki: { repoUrl: "https://grafana-community.github.io/helm-charts", chart: "loki", version: "18.4.2" },
  alloy: { repoUrl: "https://grafana.github.io/helm-charts", chart: "alloy", version: "1.9.0" },
} as const satisfies Record<string, UpstreamChart>;
