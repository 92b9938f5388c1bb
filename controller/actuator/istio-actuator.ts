/**
 * The Istio actuator: writes a decision's routing through the Kubernetes API with server-side
 * apply under one field manager, touching only the fields the optimizer owns.
 *
 * Each object a decision changes is written once, with the resourceVersion it was read at as a
 * precondition. A 409 means someone wrote in between: the object is read again and the write
 * retried with jittered backoff, a bounded number of times, and abandoned if the routing it was
 * decided from has changed (a human's edit wins). If a later object's write fails, the earlier
 * ones are put back, so a decision is never left half-applied. Only the leader writes.
 */
import { type KubernetesObject, type KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import type { GuardrailLimits } from "../../api/guardrail-limits.js";
import { LANE_LABEL, LANE_QUARANTINE, LANE_SERVING } from "../../api/optimizer.js";
import { describeError, statusOf } from "../kube/clients.js";
import { deadline } from "../kube/deadline.js";
import type { LeastRequestKnob, RoutingKnobs } from "../policy/policy.js";
import type { ActOutcome, Actuator, Target } from "./actuator.js";
import {
  currentKnobs,
  destinationRuleRestore,
  type KubeObject,
  type OriginalRouting,
  virtualServiceRestore,
} from "./live-routing.js";
import {
  assertWritableWeights,
  destinationRuleApply,
  envoyFilterName,
  hedgingEnvoyFilter,
  InvalidRoutingError,
  laneLabelPatch,
  leastRequestEnvoyFilter,
  virtualServiceApply,
} from "./routing.js";

export interface ActuatorOptions {
  readonly fieldManager: string;
  /** Checked before every write: only the leader writes. */
  readonly isLeader: () => boolean;
  /** Uniform [0, 1), for the backoff's jitter. */
  readonly random: () => number;
  /** Tries per object, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** @default 100 */
  readonly baseBackoffMs?: number;
  /** Per API call. @default 5000 */
  readonly timeoutMs?: number;
}

export class NotLeaderError extends Error {
  constructor() {
    super("not the leader: only the leader writes routing");
    this.name = "NotLeaderError";
  }
}

class RoutingMovedError extends Error {}

interface Write {
  readonly what: string;
  /** Builds the body from the live object (undefined: it does not exist); null deletes it. */
  readonly build: (live: KubeObject | undefined) => object | null;
  readonly ref: { apiVersion: string; kind: string; name: string };
  /** Skip the write when the live object already holds every field of the body. */
  readonly skipUnchanged?: boolean;
  /**
   * A merge patch of an object the optimizer never creates (a pod's label): a missing object is
   * an error when `mustExist`, else there is nothing to do.
   */
  readonly merge?: { readonly mustExist: boolean };
}

const VS = "networking.istio.io/v1";
const EF = "networking.istio.io/v1alpha3";

export class IstioActuator implements Actuator {
  readonly writes = true;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly api: KubernetesObjectApi,
    private readonly options: ActuatorOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseBackoffMs = options.baseBackoffMs ?? 100;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Writes `to` where it differs from `from`, which must be the routing the decision saw. */
  async apply(
    target: Target,
    from: RoutingKnobs,
    to: RoutingKnobs,
    limits: Pick<GuardrailLimits, "minWeight" | "maxStep" | "total">,
  ): Promise<ActOutcome> {
    assertWritableWeights(to.weights, from.weights, limits);
    const writes = this.plan(target, from, to);
    const undo = this.plan(target, to, from);
    return this.run(writes, undo, target);
  }

  /**
   * Puts back the routing found before Meshpilot first wrote, removes its filters, and returns
   * the pods of the lane it last wrote to their subsets.
   */
  async restore(target: Target, original: OriginalRouting, written?: RoutingKnobs): Promise<ActOutcome> {
    const writes: Write[] = [
      {
        what: "DestinationRule",
        ref: { apiVersion: VS, kind: "DestinationRule", name: target.destinationRule },
        build: (live) => (live ? destinationRuleRestore(live, original) : null),
      },
      {
        what: "VirtualService",
        ref: { apiVersion: VS, kind: "VirtualService", name: target.virtualService },
        build: (live) => (live ? virtualServiceRestore(live, target.host, original) : null),
      },
      this.hedgeWrite(target, false),
      this.leastRequestWrite(target, undefined),
      ...(written?.lane?.quarantined ?? []).map((pod) => this.laneWrite(target, pod, false)),
    ];
    return this.run(writes, [], target);
  }

  private plan(target: Target, from: RoutingKnobs, to: RoutingKnobs): Write[] {
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const writes: Write[] = [];
    if (from.algorithm !== to.algorithm || !same(from.outlierDetection, to.outlierDetection)) {
      writes.push({
        what: "DestinationRule",
        ref: { apiVersion: VS, kind: "DestinationRule", name: target.destinationRule },
        build: () => destinationRuleApply(target.destinationRule, target.namespace, target.host, to),
        skipUnchanged: true,
      });
    }
    const retries = (k: RoutingKnobs) =>
      k.retries ? { a: k.retries.attempts, t: Math.round(k.retries.perTryTimeoutMs) } : null;
    const probes = (k: RoutingKnobs) =>
      (k.lane?.quarantined.length ?? 0) > 0 ? (k.lane?.probePercent ?? 0) : 0;
    if (!same(from.weights, to.weights) || !same(retries(from), retries(to)) || probes(from) !== probes(to)) {
      writes.push({
        what: "VirtualService",
        ref: { apiVersion: VS, kind: "VirtualService", name: target.virtualService },
        build: (live) => {
          if (!live) throw new RoutingMovedError(`VirtualService ${target.virtualService} is gone`);
          const now = currentKnobs(
            live,
            { apiVersion: VS, kind: "DestinationRule", metadata: { name: "" } },
            target.host,
          );
          if (!same(now.weights, from.weights))
            throw new RoutingMovedError(
              `the weights changed since the decision (now ${JSON.stringify(now.weights)}); deciding again next interval`,
            );
          return virtualServiceApply(live as never, target.host, to);
        },
        skipUnchanged: true,
      });
    }
    if (Boolean(from.retries?.hedge) !== Boolean(to.retries?.hedge))
      writes.push(this.hedgeWrite(target, Boolean(to.retries?.hedge)));
    if (!same(tuningOf(from), tuningOf(to))) writes.push(this.leastRequestWrite(target, tuningOf(to)));
    const lane = (k: RoutingKnobs) => k.lane?.quarantined ?? [];
    for (const pod of lane(to).filter((p) => !lane(from).includes(p)))
      writes.push(this.laneWrite(target, pod, true));
    for (const pod of lane(from).filter((p) => !lane(to).includes(p)))
      writes.push(this.laneWrite(target, pod, false));
    return writes;
  }

  private leastRequestWrite(target: Target, knob: LeastRequestKnob | undefined): Write {
    return {
      what: "EnvoyFilter",
      ref: { apiVersion: EF, kind: "EnvoyFilter", name: envoyFilterName("lb", target.name) },
      build: () =>
        knob ? leastRequestEnvoyFilter(target.name, target.namespace, target.host, target.port, knob) : null,
    };
  }

  /**
   * Moves a pod into the lane or back by its label. Only a pod already under the lane scheme
   * (labelled serving by its template) is quarantined; one gone is an error going in and nothing
   * to do coming back.
   */
  private laneWrite(target: Target, pod: string, quarantined: boolean): Write {
    return {
      what: "Pod",
      ref: { apiVersion: "v1", kind: "Pod", name: pod },
      merge: { mustExist: quarantined },
      build: (live) => {
        const labels = (live?.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
        if (quarantined && ![LANE_SERVING, LANE_QUARANTINE].includes(labels[LANE_LABEL] ?? ""))
          throw new InvalidRoutingError(
            `pod ${pod} has no ${LANE_LABEL}=${LANE_SERVING} label, so its subset cannot leave it out; see docs/optimizer.md, "The quarantine lane"`,
          );
        return laneLabelPatch(pod, target.namespace, quarantined);
      },
      skipUnchanged: true,
    };
  }

  private hedgeWrite(target: Target, on: boolean): Write {
    const filter = hedgingEnvoyFilter(target.name, target.namespace, target.host, target.port);
    return {
      what: "EnvoyFilter",
      ref: { apiVersion: EF, kind: "EnvoyFilter", name: filter.metadata.name },
      build: () => (on ? filter : null),
    };
  }

  private async run(writes: readonly Write[], undo: readonly Write[], target: Target): Promise<ActOutcome> {
    let done = 0;
    for (const w of writes) {
      try {
        await this.write(w, target.namespace);
        done++;
      } catch (e) {
        const error = `${w.what} ${w.ref.name}: ${e instanceof RoutingMovedError || e instanceof NotLeaderError ? e.message : describeError(e)}`;
        let restored = done === 0;
        if (done > 0) {
          restored = true;
          for (const u of undo.filter((u) => writes.slice(0, done).some((d) => d.what === u.what))) {
            await this.write(u, target.namespace).catch(() => {
              restored = false;
            });
          }
        }
        return { ok: false, error, writes: done, restored };
      }
    }
    return { ok: true, writes: done };
  }

  /** One object's write: read, build, apply with the read version as precondition; retry on 409. */
  private async write(w: Write, namespace: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const live = await this.read(w, namespace);
      if (w.merge && !live) {
        if (w.merge.mustExist) throw new RoutingMovedError(`${w.what} ${w.ref.name} is gone`);
        return;
      }
      const body = w.build(live);
      if (body === null ? live === undefined : w.skipUnchanged && live && holds(live, body)) return;
      if (!this.options.isLeader()) throw new NotLeaderError();
      try {
        if (body === null) {
          if (live)
            await deadline(this.api.delete(live as KubernetesObject), this.timeoutMs, `deleting ${w.what}`);
          return;
        }
        const versioned = {
          ...body,
          metadata: {
            ...(body as KubernetesObject).metadata,
            ...(live ? { resourceVersion: live.metadata.resourceVersion } : {}),
          },
        } as KubernetesObject;
        await deadline(
          this.api.patch(
            versioned,
            undefined,
            undefined,
            this.options.fieldManager,
            w.merge ? undefined : true,
            w.merge ? PatchStrategy.MergePatch : PatchStrategy.ServerSideApply,
          ),
          this.timeoutMs,
          `writing ${w.what}`,
        );
        return;
      } catch (e) {
        if (statusOf(e) !== 409 || attempt >= this.maxAttempts) throw e;
        const backoff = this.baseBackoffMs * 2 ** (attempt - 1) * (0.5 + this.options.random());
        await new Promise((r) => setTimeout(r, backoff));
      }
    }
  }

  private async read(w: Write, namespace: string): Promise<KubeObject | undefined> {
    try {
      return (await deadline(
        this.api.read({
          apiVersion: w.ref.apiVersion,
          kind: w.ref.kind,
          metadata: { name: w.ref.name, namespace },
        }),
        this.timeoutMs,
        `reading ${w.what}`,
      )) as unknown as KubeObject;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }
}

/** Whether every leaf of `body.spec` already has that value in `live.spec` (lists compared whole). */
function holds(live: KubeObject, body: object): boolean {
  const leaves = (want: unknown, have: unknown): boolean => {
    if (want === null || typeof want !== "object" || Array.isArray(want))
      return JSON.stringify(want) === JSON.stringify(have);
    if (have === null || typeof have !== "object") return false;
    return Object.entries(want).every(
      ([k, v]) => v === undefined || leaves(v, (have as Record<string, unknown>)[k]),
    );
  };
  const b = body as { spec?: unknown; metadata?: { labels?: unknown } };
  if (b.spec === undefined) return leaves(b.metadata?.labels, (live.metadata as { labels?: unknown }).labels);
  return leaves(b.spec, live.spec);
}

/** The LEAST_REQUEST tuning in force: none unless the algorithm is LEAST_REQUEST. */
function tuningOf(k: RoutingKnobs): LeastRequestKnob | undefined {
  return k.algorithm === "LEAST_REQUEST" ? k.leastRequest : undefined;
}
