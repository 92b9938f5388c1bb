import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/environments.js";
import { argoApplication, type IgnoreDifference } from "../constructs/k8s/argo-application.js";
import { OPTIMIZER_FIELD_MANAGER } from "../constructs/k8s/namespaces.js";

/** One directory of the tree and the Application that syncs it. */
export interface TreeApplication {
  readonly name: string;
  /** Sync wave: mesh, then observability, then shop, then the optimizer. */
  readonly wave: number;
  readonly namespace: string;
  /** The Argo CD project (PROJECTS) whose whitelists bound what the directory may hold. */
  readonly project: string;
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
 * Argo CD's side of the tree: one child Application per chart directory, each in its project,
 * synced in waves. The root Application and the projects (created by Terraform) sync this directory.
 *
 * The optimizer changes VirtualService and DestinationRule routing at runtime. Argo CD must not
 * revert that, so the shop Application ignores every field the optimizer's field manager owns
 * (`managedFieldsManagers`), and `RespectIgnoreDifferences=true` keeps a sync from writing those
 * fields back. Everything else in those objects stays under Git's control.
 */
export class GitOpsChart extends Chart {
  constructor(scope: Construct, id: string, props: GitOpsChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
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
        project: app.project,
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
