/**
 * The replicas of one Deployment over an autoscaling run: created when the desired count rises,
 * ready only after a start-up delay drawn per pod (image pull, container start, readiness probe),
 * and, when nodes are modelled, only once a node has room: a pod that fits nowhere waits for a new
 * node, which Karpenter provisions for the pending pods in one batch and which takes its own time.
 * Scaling down removes pods the way a ReplicaSet does: unready ones first, then the newest.
 */
import type { Random } from "../../common/random.js";

export interface StartupProfile {
  /** Share of new pods whose node already has the image. */
  readonly imageCachedShare: number;
  /** Pulling the image when it is not cached: mean seconds and coefficient of variation. */
  readonly pull: { readonly meanSeconds: number; readonly cv: number };
  /** Container start to the process listening. */
  readonly start: { readonly meanSeconds: number; readonly cv: number };
  /** The readiness probe's first success: between these many seconds after the start. */
  readonly readinessSeconds: readonly [number, number];
  /** Nodes: when left out, a node always has room. */
  readonly nodes?: {
    readonly podsPerNode: number;
    /** From a pending pod to a Ready node. */
    readonly provision: { readonly meanSeconds: number; readonly cv: number };
    /** An empty node is removed after this long (Karpenter's consolidateAfter). */
    readonly emptyForSeconds: number;
  };
}

interface Pod {
  readonly createdMs: number;
  /** When it is ready; undefined while it waits for a node. */
  readyAtMs?: number;
  node?: number;
}

interface Node {
  readonly id: number;
  readonly readyAtMs: number;
  emptySinceMs?: number;
}

export class Fleet {
  private pods: Pod[] = [];
  private nodes: Node[] = [];
  private nextNode = 0;

  constructor(
    private readonly profile: StartupProfile,
    private readonly random: Random,
    initial: number,
    nowMs: number,
  ) {
    const perNode = profile.nodes?.podsPerNode ?? Number.POSITIVE_INFINITY;
    const nodes = Number.isFinite(perNode) ? Math.ceil(initial / perNode) : 0;
    for (let i = 0; i < nodes; i++) this.nodes.push({ id: this.nextNode++, readyAtMs: nowMs });
    for (let i = 0; i < initial; i++)
      this.pods.push({
        createdMs: nowMs,
        readyAtMs: nowMs,
        node: Number.isFinite(perNode) ? Math.floor(i / perNode) : undefined,
      });
  }

  /** Pods that exist, ready or not: what replicas cost. */
  get replicas(): number {
    return this.pods.length;
  }

  ready(nowMs: number): number {
    return this.pods.filter((p) => p.readyAtMs !== undefined && p.readyAtMs <= nowMs).length;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The Deployment's replicas set to `desired` at `nowMs`. */
  scaleTo(desired: number, nowMs: number): void {
    while (this.pods.length < desired) this.pods.push({ createdMs: nowMs });
    if (this.pods.length > desired) {
      const order = [...this.pods].sort((a, b) => {
        const ra = a.readyAtMs !== undefined && a.readyAtMs <= nowMs ? 1 : 0;
        const rb = b.readyAtMs !== undefined && b.readyAtMs <= nowMs ? 1 : 0;
        return ra - rb || b.createdMs - a.createdMs;
      });
      const removed = new Set(order.slice(0, this.pods.length - desired));
      this.pods = this.pods.filter((p) => !removed.has(p));
    }
    this.schedule(nowMs);
  }

  /** Advances nodes and pending pods to `nowMs`. */
  tick(nowMs: number): void {
    this.schedule(nowMs);
    const nodes = this.profile.nodes;
    if (!nodes) return;
    for (const node of this.nodes) {
      const used = this.pods.some((p) => p.node === node.id);
      if (used) node.emptySinceMs = undefined;
      else node.emptySinceMs ??= nowMs;
    }
    this.nodes = this.nodes.filter(
      (n) => n.emptySinceMs === undefined || nowMs - n.emptySinceMs < nodes.emptyForSeconds * 1000,
    );
  }

  private startupMs(): number {
    return startupMs(this.profile, this.random);
  }

  /** Puts pending pods on nodes with room (ready nodes first), and provisions nodes for the rest. */
  private schedule(nowMs: number): void {
    const nodes = this.profile.nodes;
    const pending = this.pods.filter((p) => p.readyAtMs === undefined && p.node === undefined);
    if (!nodes) {
      for (const pod of pending) pod.readyAtMs = nowMs + this.startupMs();
      return;
    }
    const load = new Map<number, number>();
    for (const p of this.pods) if (p.node !== undefined) load.set(p.node, (load.get(p.node) ?? 0) + 1);
    const waiting: Pod[] = [];
    for (const pod of pending) {
      const node = [...this.nodes]
        .sort((a, b) => a.readyAtMs - b.readyAtMs)
        .find((n) => (load.get(n.id) ?? 0) < nodes.podsPerNode);
      if (!node) {
        waiting.push(pod);
        continue;
      }
      load.set(node.id, (load.get(node.id) ?? 0) + 1);
      pod.node = node.id;
      pod.readyAtMs = Math.max(nowMs, node.readyAtMs) + this.startupMs();
    }
    if (waiting.length === 0) return;
    // One provisioning batch for every pod that fits nowhere; they land on the new nodes at once.
    const readyAtMs = nowMs + nodeProvisionMs(nodes, this.random);
    for (let i = 0; i < Math.ceil(waiting.length / nodes.podsPerNode); i++)
      this.nodes.push({ id: this.nextNode++, readyAtMs });
    this.schedule(nowMs);
  }
}

/** One pod's start-up on a node with room: the image pull (unless cached), the start, the readiness probe. */
export function startupMs(p: StartupProfile, random: Random): number {
  const pull = random.chance(p.imageCachedShare) ? 0 : random.lognormal(p.pull.meanSeconds, p.pull.cv);
  const start = random.lognormal(p.start.meanSeconds, p.start.cv);
  const [lo, hi] = p.readinessSeconds;
  const readiness = lo + (hi - lo) * random.uniform();
  return Math.round((pull + start + readiness) * 1000);
}

/** How long Karpenter takes to bring a node up for pending pods. */
export function nodeProvisionMs(nodes: NonNullable<StartupProfile["nodes"]>, random: Random): number {
  return Math.round(random.lognormal(nodes.provision.meanSeconds, nodes.provision.cv) * 1000);
}
