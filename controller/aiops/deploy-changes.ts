/**
 * Recent changes from the cluster itself, for root-cause ranking: a new Deployment (a new version
 * subset) and a changed one (its pod template: an image, an environment variable), each tied to
 * the Git revision Argo CD deployed just then when its sync history has one. Level-based: each scan
 * compares the Deployments now with those seen last; the first scan after a start reports only
 * what was created within the lookback, when it was created, since what changed before the start
 * cannot be dated.
 */
import type { Change } from "./root-cause.js";

export interface DeploymentView {
  readonly namespace: string;
  readonly name: string;
  /** Its `app` label: the service. */
  readonly app: string;
  readonly version?: string;
  readonly generation: number;
  readonly createdMs: number;
  readonly images: readonly string[];
}

/** One entry of an Argo CD Application's sync history. */
export interface DeployedRevision {
  readonly revision: string;
  readonly deployedAtMs: number;
  /** The Application's source path, where the change lives in Git. */
  readonly path?: string;
}

/** A sync this long before a change, or this long after (Argo CD dates a sync when it ends), explains it. */
export const REVISION_BEFORE_MS = 5 * 60_000;
export const REVISION_AFTER_MS = 2 * 60_000;

/** The revision deployed closest before `atMs` within the window, or undefined. */
export function revisionAt(history: readonly DeployedRevision[], atMs: number): DeployedRevision | undefined {
  return [...history]
    .filter((h) => h.deployedAtMs >= atMs - REVISION_BEFORE_MS && h.deployedAtMs <= atMs + REVISION_AFTER_MS)
    .sort((a, b) => Math.abs(a.deployedAtMs - atMs) - Math.abs(b.deployedAtMs - atMs))[0];
}

export class DeploymentChanges {
  private known?: Map<string, { generation: number; images: readonly string[] }>;

  constructor(private readonly lookbackMs = 30 * 60_000) {}

  /** The changes since the last scan (creations within the lookback, on the first). */
  scan(
    deployments: readonly DeploymentView[],
    history: readonly DeployedRevision[],
    nowMs: number,
  ): Change[] {
    const first = this.known === undefined;
    const known = this.known ?? new Map();
    // Only what exists now is kept: a Deployment deleted and made again is new again.
    const next = new Map<string, { generation: number; images: readonly string[] }>();
    const out: Change[] = [];
    for (const d of deployments) {
      const key = `${d.namespace}/${d.name}`;
      const before = known.get(key);
      next.set(key, { generation: d.generation, images: d.images });
      if (before === undefined) {
        if (first && nowMs - d.createdMs > this.lookbackMs) continue;
        out.push(
          attributed(
            {
              atMs: d.createdMs,
              service: d.app,
              kind: "version",
              description: `new Deployment ${d.name}${d.version ? ` (version subset ${d.version})` : ""} running ${d.images.join(", ")}`,
            },
            history,
          ),
        );
        continue;
      }
      if (d.generation <= before.generation) continue;
      const images = d.images.join(", ");
      const what =
        images !== before.images.join(", ")
          ? `image ${before.images.join(", ")} → ${images}`
          : `spec changed (generation ${before.generation} → ${d.generation})`;
      out.push(
        attributed(
          { atMs: nowMs, service: d.app, kind: "config", description: `Deployment ${d.name}: ${what}` },
          history,
        ),
      );
    }
    this.known = next;
    return out;
  }
}

function attributed(change: Change, history: readonly DeployedRevision[]): Change {
  const deployed = revisionAt(history, change.atMs);
  if (deployed === undefined) return change;
  return {
    ...change,
    description: `${change.description}, synced from Git revision ${deployed.revision}`,
    revision: deployed.revision,
    ...(deployed.path !== undefined ? { path: deployed.path } : {}),
    undo: `git revert ${deployed.revision}${deployed.path ? ` (${deployed.path})` : ""}, then let Argo CD sync`,
  };
}
