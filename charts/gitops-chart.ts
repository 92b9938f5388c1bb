import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { GIT_FLOOR_ANNOTATION } from "../api/optimizer.js";
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
  /** HPAs whose floor the optimizer's predictive autoscaling sets. */
  readonly autoscaledHpas?: readonly { readonly namespace: string; readonly name: string }[];
}

/**
 * Argo CD's side of the tree: one child Application per chart directory, each in its project,
 * synced in waves. The root Application and the projects (created by Terraform) sync this directory.
 *
 * The optimizer changes VirtualService and DestinationRule routing at runtime. Argo CD must not
 * revert that, so the shop Application ignores every field the optimizer's field manager owns
 * (`managedFieldsManagers`), and `RespectIgnoreDifferences=true` keeps a sync from writing those
 * fields back. Everything else in those objects stays under Git's control.
 *
 * Predictive autoscaling sets the minReplicas (and the scale-up window) of the HPAs the intents
 * name, and records Git's values in an annotation: those three fields are ignored on those HPAs,
 * by path, for as long as Git names them. The optimizer restores Git's values when it stops.
 */
/** The HPA fields predictive autoscaling writes (hpa-floor.ts), as Argo CD's jq paths. */
const HPA_FIELDS_SET = [
  ".spec.minReplicas",
  ".spec.behavior.scaleUp.stabilizationWindowSeconds",
  `.metadata.annotations["${GIT_FLOOR_ANNOTATION}"]`,
] as const;

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
    const scaledByOptimizer: IgnoreDifference[] = (props.autoscaledHpas ?? []).map((h) => ({
      group: "autoscaling",
      kind: "HorizontalPodAutoscaler",
      name: h.name,
      namespace: h.namespace,
      jqPathExpressions: [...HPA_FIELDS_SET],
    }));
    for (const app of props.applications) {
      const ignored = [
        ...ownedByOptimizer.filter((d) => d.namespace === app.namespace),
        ...scaledByOptimizer.filter((d) => d.namespace === app.namespace),
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
