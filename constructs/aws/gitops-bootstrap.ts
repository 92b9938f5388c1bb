import { HelmProvider } from "@cdktf/provider-helm/lib/provider/index.js";
import { Release } from "@cdktf/provider-helm/lib/release/index.js";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest/index.js";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider/index.js";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import type { ArgoCdAccess, ArgoCdSso } from "../../config/argocd.js";
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
   * The Argo CD projects (AppProject manifests in the `argocd` namespace), created here so nothing
   * synced from Git can widen them. The root Application goes in `rootProject`, which must be one of them.
   */
  readonly projects: readonly ArgoProjectManifest[];
  /** The project of the root Application: it should admit Applications in `argocd` and nothing else. */
  readonly rootProject: string;
  /** The URL people open Argo CD at, and the OIDC sign-in; see `ArgoCdAccess`. */
  readonly access: ArgoCdAccess;
  /**
   * OCI registries holding Helm charts the tree installs (host/path, no `oci://`); Argo CD pulls
   * from an OCI registry only through a repository entry that says so.
   * @default none
   */
  readonly ociHelmRepositories?: string[];
  /**
   * Argo CD Helm chart version (argo-helm `argo-cd`).
   * @default ARGO_CD_CHART_VERSION
   */
  readonly chartVersion?: string;
  /** @default "argocd" */
  readonly namespace?: string;
}

/** An AppProject as synthesized: plain JSON. */
export interface ArgoProjectManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: unknown;
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

/** What the hardened values depend on: where people reach Argo CD, how they sign in, and HA. */
export interface ArgoCdValuesOptions {
  readonly url: string;
  readonly sso?: ArgoCdSso;
  readonly highAvailability: boolean;
}

/**
 * Hardened values for the Argo CD chart: nothing public, local admin off, sign-in only through the
 * OIDC provider with roles from groups (anyone else gets nothing), resources bounded, no unused
 * components; in HA, several replicas of everything and Redis HA.
 */
export function argoCdValues(options: ArgoCdValuesOptions): Record<string, unknown> {
  const { sso, highAvailability } = options;
  const replicas = highAvailability ? 2 : 1;
  const rbac = sso
    ? [
        ...sso.adminGroups.map((g) => `g, ${g}, role:admin`),
        ...(sso.readonlyGroups ?? []).map((g) => `g, ${g}, role:readonly`),
      ].join("\n")
    : "";
  return {
    global: { networkPolicy: { create: true, defaultDenyIngress: true } },
    configs: {
      params: { "server.insecure": false },
      cm: {
        url: options.url,
        "admin.enabled": false,
        "exec.enabled": false,
        "statusbadge.enabled": false,
        // Argo CD stopped assessing child Application health in 1.8; without this, sync waves
        // between the mesh, observability, shop and optimizer Applications would not wait.
        "resource.customizations.health.argoproj.io_Application": APPLICATION_HEALTH_LUA,
        ...(sso
          ? {
              // `$<secret>:<key>` is resolved by Argo CD at runtime; the secret never enters Git or state.
              "oidc.config": JSON.stringify({
                name: "SSO",
                issuer: sso.issuer,
                clientID: sso.clientId,
                clientSecret: `$${sso.clientSecret.name}:${sso.clientSecret.key}`,
                requestedScopes: ["openid", "profile", "email", "groups"],
              }),
            }
          : {}),
      },
      // Signed-in users outside the named groups get no role at all.
      rbac: { "policy.default": "", "policy.csv": rbac, scopes: "[groups]" },
    },
    server: {
      replicas,
      service: { type: "ClusterIP" },
      ingress: { enabled: false },
      resources: RESOURCES.small,
    },
    // Two application controllers with dynamic distribution: if one dies, the other takes its clusters.
    controller: {
      replicas,
      dynamicClusterDistribution: highAvailability,
      resources: RESOURCES.large,
    },
    repoServer: { replicas, resources: RESOURCES.medium },
    applicationSet: { replicas, resources: RESOURCES.small },
    notifications: { enabled: false },
    dex: { enabled: false },
    redis: { resources: RESOURCES.small },
    "redis-ha": { enabled: highAvailability },
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
  readonly projects: Manifest[];
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

    requireProp(
      /^https:\/\/[^/\s]+/.test(props.access.url),
      "GitOpsBootstrap",
      "access.url",
      props.access.url,
      "must be the https:// URL people open Argo CD at",
    );
    if (props.access.sso) checkSso(props.access.sso);
    requireProp(
      props.projects.some((p) => p.metadata.name === props.rootProject),
      "GitOpsBootstrap",
      "rootProject",
      props.rootProject,
      `must name one of the projects given (${props.projects.map((p) => p.metadata.name).join(", ")})`,
    );
    requireProp(
      props.rootProject !== "default",
      "GitOpsBootstrap",
      "rootProject",
      props.rootProject,
      "must not be 'default', which admits everything; give the root a project of its own",
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
      values: [
        JSON.stringify(
          argoCdValues({
            url: props.access.url,
            sso: props.access.sso,
            highAvailability: props.access.highAvailability ?? false,
          }),
        ),
      ],
      dependsOn: cluster.nodeGroups.map((g) => g.nodeGroup),
    });

    // Public registries: the entry carries no credentials, only the flag.
    (props.ociHelmRepositories ?? []).forEach((url, i) => {
      new Manifest(this, `OciRepository${i}`, {
        provider: kubernetes,
        manifest: {
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name: `oci-${url.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`.slice(0, 63),
            namespace: this.namespace,
            labels: { "argocd.argoproj.io/secret-type": "repository" },
          },
          stringData: { type: "helm", name: url, url, enableOCI: "true" },
        },
        dependsOn: [this.release],
      });
    });
    this.projects = props.projects.map(
      (project) =>
        new Manifest(this, `Project-${project.metadata.name}`, {
          provider: kubernetes,
          manifest: { ...project, metadata: { ...project.metadata, namespace: this.namespace } },
          dependsOn: [this.release],
        }),
    );
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
          project: props.rootProject,
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
      dependsOn: [this.release, ...this.projects],
    });
  }
}

/** SSO must name a real issuer and at least one admin group, or nobody could administer Argo CD. */
function checkSso(sso: ArgoCdSso): void {
  requireProp(
    /^https:\/\/[^/\s]+/.test(sso.issuer),
    "GitOpsBootstrap",
    "access.sso.issuer",
    sso.issuer,
    "must be the OIDC provider's https:// issuer URL",
  );
  requireProp(
    sso.clientId.length > 0,
    "GitOpsBootstrap",
    "access.sso.clientId",
    sso.clientId,
    "must not be empty",
  );
  requireProp(
    sso.adminGroups.length > 0,
    "GitOpsBootstrap",
    "access.sso.adminGroups",
    sso.adminGroups,
    "must name at least one group, or nobody could administer Argo CD",
  );
  for (const group of [...sso.adminGroups, ...(sso.readonlyGroups ?? [])]) {
    // policy.csv is comma-separated: a comma or newline in a group name would write another rule.
    requireProp(
      /^[^,\n\r]+$/.test(group),
      "GitOpsBootstrap",
      "access.sso groups",
      group,
      "must not contain a comma or a line break",
    );
  }
}
