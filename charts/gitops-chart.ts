import { AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject";
import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/environments.js";
import { UPSTREAM_CHARTS } from "../config/upstream-charts.js";
import { argoApplication, type IgnoreDifference } from "../constructs/k8s/argo-application.js";
import { ARGO_PROJECT, NAMESPACES, OPTIMIZER_FIELD_MANAGER } from "../constructs/k8s/namespaces.js";
import { addTyped } from "../constructs/k8s/typed.js";

/** One directory of the tree and the Application that syncs it. */
export interface TreeApplication {
  readonly name: string;
  /** Sync wave: mesh, then observability, then shop, then the optimizer. */
  readonly wave: number;
  readonly namespace: string;
  /** Live fields Argo CD leaves alone in this application (besides the optimizer's routing). */
  readonly ignoreDifferences?: readonly IgnoreDifference[];
}

/** An object whose routing fields the optimizer writes at runtime. */
export interface OptimizerOwnedObject {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

export interface GitOpsChartProps {
  readonly env: EnvironmentConfig;
  /** The tree's root in Git, e.g. `dev`. */
  readonly treePath: string;
  readonly applications: readonly TreeApplication[];
  readonly optimizerOwned: readonly OptimizerOwnedObject[];
}

/**
 * Argo CD's side of the tree: a dedicated AppProject and one child Application per chart
 * directory, synced in waves. The root Application (created by Terraform) syncs this directory.
 *
 * The optimizer changes VirtualService and DestinationRule routing at runtime. Argo CD must not
 * revert that, so the shop Application ignores every field the optimizer's field manager owns
 * (`managedFieldsManagers`), and `RespectIgnoreDifferences=true` keeps a sync from writing those
 * fields back. Everything else in those objects stays under Git's control.
 */
export class GitOpsChart extends Chart {
  constructor(scope: Construct, id: string, props: GitOpsChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const repos = [
      props.env.gitops.repoUrl,
      ...new Set(Object.values(UPSTREAM_CHARTS).map((c) => c.repoUrl)),
    ];
    const namespaces = [...Object.values(NAMESPACES), "kube-system"].sort();
    addTyped(
      this,
      "Project",
      new AppProject({
        metadata: { name: ARGO_PROJECT, namespace: NAMESPACES.argocd },
        spec: {
          description: "Meshpilot: the mesh, observability, the shop and the optimizer",
          sourceRepos: repos,
          destinations: namespaces.map((namespace) => ({
            server: "https://kubernetes.default.svc",
            namespace,
          })),
          // Cluster-scoped kinds the upstream charts and our namespaces need; nothing else.
          clusterResourceWhitelist: [
            { group: "", kind: "Namespace" },
            { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
            { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
            { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding" },
            { group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration" },
            { group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration" },
          ],
          orphanedResources: { warn: true },
        },
      }),
    );

    const ownedByOptimizer: IgnoreDifference[] = props.optimizerOwned.map((o) => ({
      group: o.group,
      kind: o.kind,
      name: o.name,
      namespace: o.namespace,
      managedFieldsManagers: [OPTIMIZER_FIELD_MANAGER],
    }));
    for (const app of props.applications) {
      const ignored = [
        ...ownedByOptimizer.filter((d) => d.namespace === app.namespace),
        ...(app.ignoreDifferences ?? []),
      ];
      argoApplication(this, `App-${app.name}`, {
        name: app.name,
        project: ARGO_PROJECT,
        destinationNamespace: app.namespace,
        wave: app.wave,
        repoUrl: props.env.gitops.repoUrl,
        path: `${props.treePath}/${app.name}`,
        revision: props.env.gitops.revision,
        ignoreDifferences: ignored.length > 0 ? ignored : undefined,
        syncOptions: ignored.length > 0 ? ["RespectIgnoreDifferences=true"] : [],
      });
    }
  }
}
