/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it (the JavaScript client has
 * none): every `retryMs` a replica tries to take or renew the lease; a lease whose holder has not
 * renewed within `leaseMs` may be taken; a leader that cannot renew within `renewDeadlineMs`
 * steps down on its own, before anyone else may take over. Writes go through the Lease's
 * resourceVersion, so two replicas can never both win the same term.
 *
 * Only the leader writes routing; followers keep their informers and policies warm.
 */
import type { CoordinationV1Api, V1Lease } from "@kubernetes/client-node";
import { statusOf } from "./clients.js";
import { deadline } from "./deadline.js";

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** @default 15000 */
  readonly leaseMs?: number;
  /** @default 10000 */
  readonly renewDeadlineMs?: number;
  /** @default 2000 */
  readonly retryMs?: number;
  readonly now?: () => number;
  readonly onChange?: (leading: boolean, why: string) => void;
}

export class LeaderElector {
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private lastRenewMs?: number;
  private timer?: NodeJS.Timeout;
  private running = false;
  private leading = false;

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly options: LeaderElectionOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryMs ?? 2_000;
    this.now = options.now ?? Date.now;
    if (!(this.renewDeadlineMs < this.leaseMs && this.retryMs < this.renewDeadlineMs))
      throw new Error(
        `leader election needs retry ${this.retryMs} ms < renew deadline ${this.renewDeadlineMs} ms < lease ${this.leaseMs} ms`,
      );
  }

  /** True only while this replica holds a lease it renewed within the renew deadline. */
  isLeader(): boolean {
    if (
      this.leading &&
      this.lastRenewMs !== undefined &&
      this.now() - this.lastRenewMs >= this.renewDeadlineMs
    )
      this.setLeading(false, `could not renew the lease within ${this.renewDeadlineMs} ms`);
    return this.leading;
  }

  /** Makes the first attempt (resolves when it is known whether this replica leads), then keeps trying. */
  async start(): Promise<void> {
    this.running = true;
    await this.loop();
  }

  /** Stops trying and, when leading, releases the lease so a follower takes over at once. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    if (this.leading) {
      this.setLeading(false, "stopping");
      await this.write((lease) => ({
        ...lease,
        spec: { ...lease.spec, holderIdentity: undefined, renewTime: undefined },
      })).catch(() => undefined);
    }
  }

  /** One attempt to take or renew the lease. Exposed for tests that drive time by hand. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.options;
    const now = this.now();
    try {
      let lease: V1Lease;
      try {
        lease = await deadline(
          this.api.readNamespacedLease({ name, namespace }),
          this.retryMs,
          "reading the lease",
        );
      } catch (e) {
        if (statusOf(e) !== 404) throw e;
        await deadline(
          this.api.createNamespacedLease({
            namespace,
            body: this.leaseBody({ metadata: { name, namespace } }, now, 0),
          }),
          this.retryMs,
          "creating the lease",
        );
        this.renewed(now, "created the lease");
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity;
      const renewed = spec.renewTime ? new Date(spec.renewTime as unknown as string).getTime() : 0;
      const duration = (spec.leaseDurationSeconds ?? this.leaseMs / 1000) * 1000;
      if (holder && holder !== identity && renewed + duration > now) {
        if (this.leading) this.setLeading(false, `${holder} holds the lease`);
        return false;
      }
      const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
      await deadline(
        this.api.replaceNamespacedLease({ name, namespace, body: this.leaseBody(lease, now, transitions) }),
        this.retryMs,
        "renewing the lease",
      );
      this.renewed(now, holder === identity ? "renewed" : `took the lease from ${holder ?? "nobody"}`);
      return true;
    } catch (e) {
      // A 409 means another replica wrote the lease first: it won this round.
      if (statusOf(e) === 409 && this.leading)
        this.setLeading(false, "another replica renewed the lease first");
      this.isLeader();
      return false;
    }
  }

  private leaseBody(lease: V1Lease, now: number, transitions: number): V1Lease {
    const acquired =
      lease.spec?.holderIdentity === this.options.identity ? lease.spec.acquireTime : new Date(now);
    return {
      ...lease,
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      spec: {
        holderIdentity: this.options.identity,
        leaseDurationSeconds: Math.round(this.leaseMs / 1000),
        acquireTime: (acquired ?? new Date(now)) as never,
        renewTime: new Date(now) as never,
        leaseTransitions: transitions,
      },
    };
  }

  private async write(change: (lease: V1Lease) => V1Lease): Promise<void> {
    const { name, namespace } = this.options;
    const lease = await this.api.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== this.options.identity) return;
    await this.api.replaceNamespacedLease({ name, namespace, body: change(lease) });
  }

  private renewed(now: number, why: string): void {
    this.lastRenewMs = now;
    if (!this.leading) this.setLeading(true, why);
  }

  private setLeading(leading: boolean, why: string): void {
    this.leading = leading;
    this.options.onChange?.(leading, why);
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    await this.tryAcquireOrRenew();
    if (this.running) this.timer = setTimeout(() => void this.loop(), this.retryMs);
  }
}
