/**
 * Upstream Helm charts the GitOps tree installs through Argo CD, each at a pinned version.
 *
 * Bump a version here and nowhere else; the tests read these too.
 */
export interface UpstreamChart {
  /** An https Helm repository, or for an OCI registry its host and path without `oci://`. */
  readonly repoUrl: string;
  readonly chart: string;
  readonly version: string;
  /** The chart lives in an OCI registry: Argo CD needs a repository entry with `enableOCI`. */
  readonly oci?: boolean;
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
  awsLoadBalancerController: {
    repoUrl: "https://aws.github.io/eks-charts",
    chart: "aws-load-balancer-controller",
    version: "3.4.2",
  },
  // Karpenter publishes its chart to ECR Public only.
  karpenter: { repoUrl: "public.ecr.aws/karpenter", chart: "karpenter", version: "1.14.0", oci: true },
} as const satisfies Record<string, UpstreamChart>;

/** The OCI registries among the charts, for Argo CD's repository entries. */
export function ociChartRepositories(): string[] {
  const charts: readonly UpstreamChart[] = Object.values(UPSTREAM_CHARTS);
  return [...new Set(charts.filter((c) => c.oci).map((c) => c.repoUrl))].sort();
}
