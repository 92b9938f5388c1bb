import { AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject";
import type { EnvironmentConfig } from "../config/environments.js";
import { UPSTREAM_CHARTS } from "../config/upstream-charts.js";
import { NAMESPACES, PROJECTS } from "../constructs/k8s/namespaces.js";
import type { Manifest } from "../constructs/k8s/schemas.js";

/** A kind an AppProject admits, in its own spelling. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

const IN_CLUSTER = "https://kubernetes.default.svc";

/**
 * Cluster-scoped kinds the platform's upstream charts create: Istio, kube-prometheus-stack, Loki,
 * Alloy, the AWS Load Balancer Controller and Karpenter. Helm is rendered by Argo CD, not here, so
 * this list is read from the charts' templates at their pinned versions; a bump that adds a kind fails
 * to sync with a clear "not permitted" until it is added.
 */
const PLATFORM_CHART_CLUSTER_KINDS: GroupKind[] = [
  { group: "", kind: "Namespace" },
  { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
  { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
  { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding" },
  { group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration" },
  { group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration" },
  { group: "networking.k8s.io", kind: "IngressClass" },
  { group: "elbv2.k8s.aws", kind: "IngressClassParams" },
];

/** Namespaced kinds the platform's upstream charts create, beyond what our own manifests hold. */
const PLATFORM_CHART_NAMESPACED_KINDS: GroupKind[] = [
  { group: "", kind: "ConfigMap" },
  { group: "", kind: "Secret" },
  { group: "", kind: "Service" },
  { group: "", kind: "ServiceAccount" },
  { group: "", kind: "PersistentVolumeClaim" },
  { group: "apps", kind: "DaemonSet" },
  { group: "apps", kind: "Deployment" },
  { group: "apps", kind: "StatefulSet" },
  { group: "batch", kind: "Job" },
  { group: "autoscaling", kind: "HorizontalPodAutoscaler" },
  { group: "policy", kind: "PodDisruptionBudget" },
  { group: "rbac.authorization.k8s.io", kind: "Role" },
  { group: "rbac.authorization.k8s.io", kind: "RoleBinding" },
  { group: "networking.k8s.io", kind: "NetworkPolicy" },
  { group: "monitoring.coreos.com", kind: "Alertmanager" },
  { group: "monitoring.coreos.com", kind: "Prometheus" },
  { group: "monitoring.coreos.com", kind: "PrometheusRule" },
  { group: "monitoring.coreos.com", kind: "ServiceMonitor" },
  { group: "monitoring.coreos.com", kind: "PodMonitor" },
];

/** An object's API group, as AppProject whitelists spell it ("" for the core group). */
export const groupOf = (m: Manifest) => (m.apiVersion.includes("/") ? m.apiVersion.split("/")[0] : "");

/** The distinct kinds of some manifests, namespaced or cluster-scoped, sorted. */
export function kindsOf(manifests: readonly Manifest[], scope: "namespaced" | "cluster"): GroupKind[] {
  const wanted = manifests.filter((m) => (scope === "cluster") === (m.metadata.namespace === undefined));
  return uniqueKinds(wanted.map((m) => ({ group: groupOf(m), kind: m.kind })));
}

function uniqueKinds(kinds: readonly GroupKind[]): GroupKind[] {
  const byKey = new Map(kinds.map((k) => [`${k.group}/${k.kind}`, k]));
  return [...byKey.keys()].sort().map((key) => byKey.get(key) as GroupKind);
}

/** Where the platform's Helm charts install, besides the namespaces our own manifests name. */
const PLATFORM_CHART_NAMESPACES = [
  NAMESPACES.istioSystem,
  NAMESPACES.ingress,
  NAMESPACES.observability,
  "kube-system",
];

const namespacesOf = (manifests: readonly Manifest[]) =>
  manifests.flatMap((m) => (m.metadata.namespace ? [m.metadata.namespace] : []));

const destinations = (namespaces: readonly string[]) =>
  [...new Set(namespaces)].sort().map((namespace) => ({ server: IN_CLUSTER, namespace }));

/**
 * The three Argo CD projects, each admitting only what its applications deploy:
 * - `root` holds the root Application: it may create Applications in `argocd`, nothing else, and
 *   no AppProject, so nothing synced from Git can widen a project;
 * - `platform` holds the mesh, observability and cluster add-ons: their namespaces and the kinds
 *   their charts create;
 * - `shop` holds the shop and the optimizer: their two namespaces, the kinds in their manifests and
 *   the optimizer's one CRD.
 *
 * Terraform creates them (GitOpsBootstrap), with the Argo CD install; Git cannot change them.
 */
export function argoProjects(
  env: EnvironmentConfig,
  tree: Readonly<Record<string, Manifest[]>>,
  applications: readonly { readonly name: string; readonly project: string }[],
): Manifest[] {
  const inProject = (project: string) =>
    applications.filter((a) => a.project === project).flatMap((a) => tree[a.name] ?? []);
  const chartRepos = [...new Set(Object.values(UPSTREAM_CHARTS).map((c) => c.repoUrl))].sort();
  const project = (name: string, description: string, spec: Record<string, unknown>) =>
    new AppProject({
      metadata: { name, namespace: NAMESPACES.argocd },
      spec: { description, ...spec, orphanedResources: { warn: true } },
    }).toJSON() as unknown as Manifest;

  const platform = inProject(PROJECTS.platform);
  const shop = inProject(PROJECTS.shop);
  return [
    project(PROJECTS.root, "The root app-of-apps: Applications in argocd, nothing else", {
      sourceRepos: [env.gitops.repoUrl],
      destinations: destinations([NAMESPACES.argocd]),
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [{ group: "argoproj.io", kind: "Application" }],
    }),
    project(PROJECTS.platform, "Istio, observability and the cluster add-ons", {
      sourceRepos: [env.gitops.repoUrl, ...chartRepos],
      // The charts' own namespaces (istio-cni and the add-ons go to kube-system), and wherever our
      // manifests are, which includes the add-ons' Applications in argocd.
      destinations: destinations([...PLATFORM_CHART_NAMESPACES, ...namespacesOf(platform)]),
      clusterResourceWhitelist: uniqueKinds([
        ...PLATFORM_CHART_CLUSTER_KINDS,
        ...kindsOf(platform, "cluster"),
      ]),
      namespaceResourceWhitelist: uniqueKinds([
        ...PLATFORM_CHART_NAMESPACED_KINDS,
        ...kindsOf(platform, "namespaced"),
      ]),
    }),
    project(PROJECTS.shop, "The shop and the optimizer", {
      sourceRepos: [env.gitops.repoUrl],
      destinations: destinations(namespacesOf(shop)),
      clusterResourceWhitelist: kindsOf(shop, "cluster"),
      namespaceResourceWhitelist: kindsOf(shop, "namespaced"),
    }),
  ];
}
