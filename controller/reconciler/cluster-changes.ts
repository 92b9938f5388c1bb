/**
 * Plumbing that feeds the change log from the cluster: each scan lists the Deployments of the
 * managed namespaces and reads the sync history of one Argo CD Application (when one is named),
 * and records what DeploymentChanges finds. Scans are at least `minIntervalMs` apart. A scan that
 * cannot read is logged and records nothing: the next one compares with the last good listing,
 * so nothing is lost, only dated later.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { ChangeLog } from "../aiops/change-log.js";
import { type DeployedRevision, DeploymentChanges, type DeploymentView } from "../aiops/deploy-changes.js";
import { describeError, type KubeClients } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import type { Logger } from "./recorder.js";

interface DeploymentObject extends KubernetesObject {
  spec?: {
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: { containers?: { image?: string }[] };
    };
  };
}

interface ApplicationObject extends KubernetesObject {
  status?: { history?: { revision?: string; deployedAt?: string; source?: { path?: string } }[] };
}

export interface ClusterChangesOptions {
  readonly clients: KubeClients;
  readonly namespaces: readonly string[];
  readonly changes: ChangeLog;
  /** The Argo CD Application whose sync history dates changes to Git revisions. @default none */
  readonly application?: { readonly namespace: string; readonly name: string };
  readonly log: Logger;
  readonly timeoutMs: number;
  /** @default 15 s */
  readonly minIntervalMs?: number;
}

export class ClusterChanges {
  private readonly tracker = new DeploymentChanges();
  private lastMs?: number;

  constructor(private readonly o: ClusterChangesOptions) {}

  async scan(nowMs: number): Promise<void> {
    if (this.lastMs !== undefined && nowMs - this.lastMs < (this.o.minIntervalMs ?? 15_000)) return;
    this.lastMs = nowMs;
    let deployments: DeploymentView[];
    try {
      deployments = (await Promise.all(this.o.namespaces.map((ns) => this.deployments(ns)))).flat();
    } catch (e) {
      this.o.log.warn({ error: describeError(e) }, "could not list Deployments for recent changes");
      return;
    }
    const history = await this.history();
    for (const change of this.tracker.scan(deployments, history, nowMs)) this.o.changes.record(change);
  }

  private async deployments(namespace: string): Promise<DeploymentView[]> {
    const list = await deadline(
      this.o.clients.objects.list("apps/v1", "Deployment", namespace),
      this.o.timeoutMs,
      `listing Deployments in ${namespace}`,
    );
    return (list.items as DeploymentObject[]).flatMap((d) => {
      const labels = { ...d.metadata?.labels, ...d.spec?.template?.metadata?.labels };
      if (labels.app === undefined) return [];
      return [
        {
          namespace,
          name: d.metadata?.name ?? "",
          app: labels.app,
          ...(labels.version !== undefined ? { version: labels.version } : {}),
          generation: d.metadata?.generation ?? 0,
          createdMs: Date.parse(String(d.metadata?.creationTimestamp ?? "")) || 0,
          images: (d.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? "?"),
        },
      ];
    });
  }

  /** The Application's sync history; empty when none is named or it cannot be read (logged). */
  private async history(): Promise<DeployedRevision[]> {
    const app = this.o.application;
    if (app === undefined) return [];
    try {
      const object = (await deadline(
        this.o.clients.objects.read({
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Application",
          metadata: { name: app.name, namespace: app.namespace },
        }),
        this.o.timeoutMs,
        `reading Application ${app.namespace}/${app.name}`,
      )) as ApplicationObject;
      return (object.status?.history ?? []).flatMap((h) => {
        const at = Date.parse(h.deployedAt ?? "");
        if (h.revision === undefined || Number.isNaN(at)) return [];
        return [
          { revision: h.revision, deployedAtMs: at, ...(h.source?.path ? { path: h.source.path } : {}) },
        ];
      });
    } catch (e) {
      this.o.log.warn({ error: describeError(e) }, "could not read the Argo CD sync history");
      return [];
    }
  }
}
