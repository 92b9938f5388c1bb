import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import type { ApiObject } from "cdk8s";
import type { Construct } from "constructs";
import type { UpstreamChart } from "../../config/upstream-charts.js";
import { NAMESPACES } from "./namespaces.js";
import { addTyped } from "./typed.js";

/** A field set Argo CD must not diff, in the Application CRD's own shape. */
export interface IgnoreDifference {
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jqPathExpressions?: string[];
  readonly managedFieldsManagers?: string[];
}

interface CommonProps {
  readonly name: string;
  readonly project: string;
  /** Where the application's resources go. */
  readonly destinationNamespace: string;
  /** Sync wave among its siblings: lower syncs, and must be healthy, first. */
  readonly wave: number;
  /** @default ["ServerSideApply=true"] plus what is given */
  readonly syncOptions?: string[];
  /** @default none */
  readonly ignoreDifferences?: IgnoreDifference[];
}

export interface HelmApplicationProps extends CommonProps {
  readonly chart: UpstreamChart;
  readonly values: Record<string, unknown>;
  /** @default the application name */
  readonly releaseName?: string;
}

export interface DirectoryApplicationProps extends CommonProps {
  readonly repoUrl: string;
  readonly path: string;
  readonly revision: string;
}

/**
 * An Argo CD Application that syncs automatically, prunes, heals drift and retries with backoff.
 *
 * Helm charts are installed this way because nothing renders Helm at synth: the chart, its pinned
 * version and our values are the whole contract.
 */
export function argoApplication(
  scope: Construct,
  id: string,
  props: HelmApplicationProps | DirectoryApplicationProps,
): ApiObject {
  const source =
    "chart" in props
      ? {
          repoURL: props.chart.repoUrl,
          chart: props.chart.chart,
          targetRevision: props.chart.version,
          helm: { releaseName: props.releaseName ?? props.name, valuesObject: props.values },
        }
      : {
          repoURL: props.repoUrl,
          path: props.path,
          targetRevision: props.revision,
          directory: { recurse: true },
        };
  const syncOptions = ["ServerSideApply=true", ...(props.syncOptions ?? [])];
  return addTyped(
    scope,
    id,
    new Application({
      metadata: {
        name: props.name,
        namespace: NAMESPACES.argocd,
        annotations: { "argocd.argoproj.io/sync-wave": String(props.wave) },
        finalizers: ["resources-finalizer.argocd.argoproj.io"],
      },
      spec: {
        project: props.project,
        source,
        destination: { server: "https://kubernetes.default.svc", namespace: props.destinationNamespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions,
          retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "3m" } },
        },
        ignoreDifferences: props.ignoreDifferences?.map((d) => ({ ...d })),
      },
    }),
  );
}

/** What every chart Application of one directory shares. */
export interface ChartApplicationDefaults {
  readonly project: string;
  /** Where the charts install, unless a call names another namespace. */
  readonly namespace: string;
  /** @default none */
  readonly ignoreDifferences?: IgnoreDifference[];
}

/**
 * A maker of Helm-chart Applications for one directory: `(name, wave, chart, values, namespace?)`,
 * each an {@link argoApplication} with the directory's project and namespace.
 */
export function chartApplications(scope: Construct, defaults: ChartApplicationDefaults) {
  return (
    name: string,
    wave: number,
    chart: UpstreamChart,
    values: Record<string, unknown>,
    namespace: string = defaults.namespace,
  ): ApiObject =>
    argoApplication(scope, `App-${name}`, {
      name,
      project: defaults.project,
      destinationNamespace: namespace,
      wave,
      chart,
      values,
      ignoreDifferences: defaults.ignoreDifferences,
    });
}
