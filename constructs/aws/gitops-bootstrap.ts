import { HelmProvider } from "@cdktf/provider-helm/lib/provider/index.js";
import { Release } from "@cdktf/provider-helm/lib/release/index.js";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest/index.js";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider/index.js";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import type { EksCluster } from "./eks-cluster.js";
import { requireProp } from "./errors.js";

/** The Git location Argo CD syncs from: the tree `npm start` writes. */
export interface GitOpsSource {
  readonly repoUrl: string;
  /** Directory holding the Application manifests, e.g. `dev/apps`. */
  readonly path: string;
  /** Branch, tag or commit. */
  readonly revision: string;
}

export interface GitOpsBootstrapProps {
  readonly cluster: EksCluster;
  /** Region of the cluster, for `aws eks get-token`. */
  readonly region: string;
  readonly source: GitOpsSource;
  /**
   * Argo CD Helm chart version (argo-helm `argo-cd`).
   * @default ARGO_CD_CHART_VERSION
   */
  readonly chartVersion?: string;
  /** @default "argocd" */
  readonly namespace?: string;
}

/** The argo-helm `argo-cd` chart version Meshpilot pins. */
export const ARGO_CD_CHART_VERSION = "9.1.0";
const ARGO_HELM = "https://argoproj.github.io/argo-helm";

/** Requests and limits for each Argo CD component: the chart sets none by default. */
const RESOURCES = {
  small: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  medium: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  large: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
};

/** Reports a child Application's own health status, so an app-of-apps waits for each wave. */
const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
`;

/** Hardened values for the Argo CD chart: nothing public, resources bounded, no unused components. */
export function argoCdValues(): Record<string, unknown> {
  return {
    global: { networkPolicy: { create: true, defaultDenyIngress: true } },
    configs: {
      params: { "server.insecure": false },
      cm: {
        "admin.enabled": false,
        "exec.enabled": false,
        "statusbadge.enabled": false,
        // Argo CD stopped assessing child Application health in 1.8; without this, sync waves
        // between the mesh, observability, shop and optimizer Applications would not wait.
        "resource.customizations.health.argoproj.io_Application": APPLICATION_HEALTH_LUA,
      },
    },
    server: {
      service: { type: "ClusterIP" },
      ingress: { enabled: false },
      resources: RESOURCES.small,
    },
    controller: { resources: RESOURCES.large },
    repoServer: { resources: RESOURCES.medium },
    applicationSet: { resources: RESOURCES.small },
    notifications: { enabled: false },
    dex: { enabled: false },
    redis: { resources: RESOURCES.small },
  };
}

/**
 * Installs Argo CD on the cluster and hands everything else to Git: the root app-of-apps.
 *
 * The Helm and Kubernetes providers are configured from the cluster's outputs and
 * authenticate with `aws eks get-token`, so no kubeconfig or static token is involved.
 */
export class GitOpsBootstrap extends Construct {
  readonly release: Release;
  readonly rootApplication: Manifest;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: GitOpsBootstrapProps) {
    super(scope, id);
    this.namespace = props.namespace ?? "argocd";
    const chartVersion = props.chartVersion ?? ARGO_CD_CHART_VERSION;
    requireProp(
      /^https:\/\/|^git@|^ssh:\/\//.test(props.source.repoUrl),
      "GitOpsBootstrap",
      "source.repoUrl",
      props.source.repoUrl,
      "must be an https://, ssh:// or git@ URL",
    );
    requireProp(
      props.source.revision.length > 0,
      "GitOpsBootstrap",
      "source.revision",
      props.source.revision,
      "must name a branch, tag or commit",
    );
    requireProp(
      props.source.path.length > 0 && !props.source.path.startsWith("/"),
      "GitOpsBootstrap",
      "source.path",
      props.source.path,
      "must be a path relative to the repository root",
    );
    requireProp(
      /^\d+\.\d+\.\d+$/.test(chartVersion),
      "GitOpsBootstrap",
      "chartVersion",
      chartVersion,
      "must be an exact chart version such as 9.1.0",
    );

    const { cluster } = props;
    const auth = {
      host: cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(cluster.certificateAuthorityData),
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: [
          "eks",
          "get-token",
          "--cluster-name",
          cluster.name,
          "--region",
          props.region,
          "--output",
          "json",
        ],
      },
    };
    const helm = new HelmProvider(this, "Helm", { kubernetes: auth });
    const kubernetes = new KubernetesProvider(this, "Kubernetes", { ...auth, exec: [auth.exec] });

    this.release = new Release(this, "ArgoCd", {
      provider: helm,
      name: "argo-cd",
      repository: ARGO_HELM,
      chart: "argo-cd",
      version: chartVersion,
      namespace: this.namespace,
      createNamespace: true,
      atomic: true,
      cleanupOnFail: true,
      timeout: 900,
      values: [JSON.stringify(argoCdValues())],
      dependsOn: cluster.nodeGroups.map((g) => g.nodeGroup),
    });

    this.rootApplication = new Manifest(this, "RootApplication", {
      provider: kubernetes,
      manifest: {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: {
          name: "root",
          namespace: this.namespace,
          finalizers: ["resources-finalizer.argocd.argoproj.io"],
        },
        spec: {
          project: "default",
          source: {
            repoURL: props.source.repoUrl,
            path: props.source.path,
            targetRevision: props.source.revision,
            directory: { recurse: true },
          },
          destination: { server: "https://kubernetes.default.svc", namespace: this.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ["ServerSideApply=true"],
          },
        },
      },
      dependsOn: [this.release],
    });
  }
}
