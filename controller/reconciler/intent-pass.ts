/**
 * One intent's visit, as plumbing around the control step: validate the intent, find its Istio
 * objects, read the routing in force, call the step, carry out its action through the actuator,
 * and hand the outcome to the recorder. An intent being deleted gets its routing back and loses
 * the finalizer. Every rule about what to do lives in the step; this file only moves data.
 */
import { activeOverrides, type RoutingOverride, readOverrides } from "../../api/intent/overrides.js";
import type { ResolvedIntentSpec } from "../../api/intent/schema.js";
import { describeProblems, validateIntent } from "../../api/intent/validate.js";
import type { ActOutcome, Actuator, Target } from "../actuator/actuator.js";
import { NotLeaderError } from "../actuator/istio-actuator.js";
import {
  currentKnobs,
  type KubeObject,
  laneProblem,
  originalRouting,
  subsetsOf,
} from "../actuator/live-routing.js";
import { describeChange, eventMessage } from "../control/explain.js";
import type { SafetySettings } from "../control/safety.js";
import { controlStep, type StepAction, type StepSettings } from "../control/step.js";
import { describeError, type KubeClients } from "../kube/clients.js";
import type { Observation } from "../metrics/observation.js";
import type { Policy, RoutingKnobs } from "../policy/policy.js";
import type { QTable } from "../policy/q-table.js";
import { createPolicy, policyNameOf } from "../policy/registry.js";
import {
  detectionMinutes,
  type RolloutState,
  rolloutBudgetProblem,
  rolloutPolicy,
} from "../rollout/rollout-policy.js";
import {
  ROLLOUT_GUARDRAILS,
  ROUTING_PROPAGATION_MS,
  rolloutPolicyName,
  rolloutSafety,
  rolloutSettingsOf,
  rolloutStatus,
} from "../rollout/settings.js";
import type { OptimizerMetrics } from "../telemetry/metrics.js";
import { addFinalizer, hasFinalizer, removeFinalizer } from "./finalizer.js";
import { keep, type Runtime, runtimeOf, stepMemoryOf } from "./memory.js";
import { type Intent, keyOf, type Logger, type Recorder } from "./recorder.js";
import type { AutoscalingStatus } from "./status.js";
import { eventFor, stepSettings } from "./step-io.js";

/** An intent ready for a decision: its resolved spec and the objects that hold its routing. */
export interface Prepared {
  readonly intent: Intent;
  readonly spec: ResolvedIntentSpec;
  readonly vs: KubeObject;
  readonly dr: KubeObject;
  /** The routing overrides on the intent, expired ones included. */
  readonly overrides: readonly RoutingOverride[];
}

/** done: nothing to retry (including terminal problems, reported in status); retry: a transient failure. */
export type Visit = "done" | "retry";

export interface PassOptions {
  readonly clients: KubeClients;
  readonly actuator: Actuator;
  readonly recorder: Recorder;
  readonly runtimes: Map<string, Runtime>;
  /** Saves the optimizer's state now; false when it could not. */
  readonly save: () => Promise<boolean>;
  readonly isLeader: () => boolean;
  readonly safety: SafetySettings;
  readonly seed: number;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly pretrained?: QTable;
  readonly telemetry?: OptimizerMetrics;
  /** The control interval: a rollout's pace and exposure are reckoned in it. */
  readonly intervalMs: number;
  /** What predictive autoscaling reports for an intent, carried in its status. */
  readonly autoscalingStatus?: (key: string) => AutoscalingStatus | undefined;
}

export class IntentPass {
  constructor(private readonly o: PassOptions) {}

  /** The intent's spec and objects, or undefined once it is settled as invalid or missing its target. */
  async prepare(intent: Intent, vs: KubeObject | undefined, dr: KubeObject | undefined, nowMs: number) {
    const r = this.runtime(keyOf(intent));
    const check = validateIntent(intent.spec, dr ? subsetsOf(dr) : undefined);
    if (!check.valid) {
      const problems = describeProblems(check.problems);
      await this.o.recorder.settle(intent, r, nowMs, "invalid", `Invalid: ${problems}`, {
        Invalid: { status: true, reason: "InvalidSpec", message: problems },
      });
      return undefined;
    }
    const overrides = readOverrides(intent.metadata.annotations);
    if (!overrides.valid) {
      await this.o.recorder.settle(intent, r, nowMs, "invalid", `Invalid: ${overrides.problem}`, {
        Invalid: { status: true, reason: "InvalidOverride", message: overrides.problem },
      });
      return undefined;
    }
    if (!vs || !dr) {
      const missing = !vs
        ? `VirtualService ${check.spec.target.virtualService}`
        : `DestinationRule ${check.spec.target.destinationRule}`;
      const ns = intent.metadata.namespace as string;
      await this.o.recorder.settle(
        intent,
        r,
        nowMs,
        "error",
        `${missing} not found in ${ns}; nothing to optimize`,
        {
          Degraded: { status: true, reason: "TargetMissing", message: `${missing} not found` },
        },
      );
      return undefined;
    }
    return { intent, spec: check.spec, vs, dr, overrides: overrides.overrides } satisfies Prepared;
  }

  async decide(p: Prepared, observation: Observation, leader: boolean, nowMs: number): Promise<Visit> {
    const { intent, spec, vs, dr } = p;
    const ns = intent.metadata.namespace as string;
    const { name: policyName, policy } = this.policyOf(spec);
    const r = this.runtime(keyOf(intent), policyName, () => policy.initialState(subsetsOf(dr)));
    if (spec.rollout) {
      const problem = rolloutBudgetProblem(
        spec.rollout.exposureBudgetPercentMinutes,
        detectionMinutes(observation.windowMs, this.o.intervalMs, ROUTING_PROPAGATION_MS),
      );
      if (problem) {
        await this.o.recorder.settle(intent, r, nowMs, "invalid", `Invalid: ${problem}`, {
          Invalid: { status: true, reason: "InvalidSpec", message: problem },
        });
        return "done";
      }
    }
    let live: RoutingKnobs;
    try {
      // Hedging, the least-request tuning and the lane live in objects only the optimizer writes
      // (its filters, pods' labels): what it wrote last is what is in force.
      live = currentKnobs(vs, dr, spec.target.host, {
        hedge: r.written?.retries?.hedge,
        onTimeout: r.written?.retries?.onTimeout,
        leastRequest: r.written?.leastRequest,
        lane: r.written?.lane,
      });
    } catch (e) {
      await this.o.recorder.settle(intent, r, nowMs, "error", (e as Error).message, {
        Degraded: { status: true, reason: "NoRoute", message: (e as Error).message },
      });
      return "done";
    }
    if (!r.original && !r.written) r.original = originalRouting(vs, dr, spec.target.host);
    r.target = targetOf(intent, spec, vs);
    let settings: StepSettings = spec.rollout
      ? {
          ...stepSettings(spec, rolloutSafety(this.o.safety)),
          guardrails: ROLLOUT_GUARDRAILS,
          hedgingAllowed: false,
        }
      : stepSettings(spec, this.o.safety, laneProblem(dr));
    const overrides = activeOverrides(p.overrides, nowMs);
    if (overrides.length > 0) settings = { ...settings, overrides };
    this.observeWeights(ns, intent.metadata.name, live);
    const step = controlStep(policy, settings, stepMemoryOf(r), {
      observation,
      live,
      nowMs,
      random: r.random,
      canWrite: leader && this.o.actuator.writes,
    });
    const out = await this.act(step.action, intent, r, live, settings.guardrails);
    const failed = out !== undefined && !out.ok;
    keep(r, failed ? step.next.failed : step.next.applied);
    if (step.action.kind === "apply" && !failed)
      this.observeWeights(ns, intent.metadata.name, step.action.to);
    const changed = step.proposed !== undefined && describeChange(live, step.proposed).length > 0;
    const quiet = step.kind === "observe" || step.kind === "recommend" || step.kind === "hold";
    const recommendation =
      step.kind === "recommend" && changed
        ? eventMessage(live, step.proposed as RoutingKnobs, observation, settings.objectives, step.reward)
        : undefined;
    const fresh = recommendation !== undefined && recommendation !== r.lastRecommendation;
    if (quiet) r.lastRecommendation = recommendation;
    await this.o.recorder.decision(intent, spec, r, leader, nowMs, {
      kind: failed ? "error" : step.kind,
      explanation: failed ? `${step.explanation} The write failed: ${outcomeError(out)}` : step.explanation,
      from: live,
      to:
        step.kind === "recommend" || step.action.kind === "apply" ? step.proposed : failed ? live : undefined,
      observation,
      reward: step.reward,
      guardNotes: step.safety,
      write: out,
      event: fresh
        ? { reason: "Recommendation", type: "Normal", message: `recommend ${recommendation}` }
        : eventFor(step, out, live, observation, settings.objectives),
      audit: quiet ? changed : undefined,
      rollout: spec.rollout ? rolloutStatus(r.state as RolloutState, spec.rollout) : undefined,
      autoscaling: this.o.autoscalingStatus?.(keyOf(intent)),
    });
    return failed ? "retry" : "done";
  }

  /**
   * An intent being deleted, or a memory whose intent is gone (its finalizer removed by hand): put
   * back the routing Git declared, then let the intent go.
   */
  async finalize(key: string, intent: Intent | undefined, leader: boolean): Promise<Visit> {
    if (!leader) return "done"; // the leader restores; keep the record until then
    const r = this.o.runtimes.get(key);
    if (r?.written && r.original && r.target) {
      const out = await this.o.actuator.restore(r.target, r.original, r.written);
      if (!out.ok) {
        this.o.log.warn(
          { intent: key, error: out.error },
          "restoring the routing of a deleted intent failed",
        );
        return "retry";
      }
      this.o.log.info({ intent: key }, "intent deleted: restored the original routing");
    }
    if (intent && hasFinalizer(intent)) {
      try {
        await removeFinalizer(this.o.clients, intent, this.o.timeoutMs);
      } catch (e) {
        this.o.log.warn({ intent: key, error: describeError(e) }, "could not remove the finalizer");
        return "retry";
      }
    }
    if (r) {
      this.o.runtimes.delete(key);
      const [namespace, name] = key.split("/");
      this.o.telemetry?.forget(namespace, name);
      await this.o.save();
    }
    return "done";
  }

  /** A rollout while the intent has one; otherwise the policy its algorithm names. */
  private policyOf(spec: ResolvedIntentSpec): { name: string; policy: Policy<unknown> } {
    if (spec.rollout)
      return {
        name: rolloutPolicyName(spec.rollout),
        policy: rolloutPolicy(rolloutSettingsOf(spec.rollout, this.o.intervalMs)) as Policy<unknown>,
      };
    const name = policyNameOf(spec);
    return { name, policy: createPolicy(name, { pretrained: this.o.pretrained }) };
  }

  /** The runtime for a key; a new one (or one whose policy changed) starts from `initial`. */
  private runtime(key: string, policy = "none", initial: () => unknown = () => undefined): Runtime {
    const r = this.o.runtimes.get(key);
    if (r && (r.policy === policy || policy === "none")) return r;
    const fresh = runtimeOf(
      key,
      {
        policy,
        state: initial(),
        original: r?.original,
        written: r?.written,
        target: r?.target,
        decisions: 0,
      },
      this.o.seed,
    );
    this.o.runtimes.set(key, fresh);
    return fresh;
  }

  /** Carries out the step's action; undefined when there is none. */
  private async act(
    action: StepAction,
    intent: Intent,
    r: Runtime,
    live: RoutingKnobs,
    limits: { minWeight: number; total: number },
  ): Promise<ActOutcome | undefined> {
    if (action.kind === "none") return undefined;
    const refused = (error: string): ActOutcome => ({ ok: false, error, writes: 0, restored: true });
    // Checked again, not taken from the start of the interval: a lease lost mid-interval stops writes at once.
    if (!this.o.isLeader()) return refused(new NotLeaderError().message);
    const target = r.target as Target;
    if (action.kind === "restore")
      return this.o.actuator.restore(target, r.original ?? { weights: live.weights }, r.written);
    // Before Meshpilot owns the routing, the intent carries the finalizer (deleting it then waits
    // for the restore), and the state records the original and the write about to happen: a crash
    // right after the write must leave a restart able to give Git's routing back.
    if (!hasFinalizer(intent)) {
      try {
        await addFinalizer(this.o.clients, intent, this.o.timeoutMs);
      } catch (e) {
        return refused(`adding the finalizer: ${describeError(e)}`);
      }
    }
    const before = r.written;
    r.written = action.to;
    const saved = await this.o.save();
    r.written = before;
    if (!saved) return refused("the state could not be saved before the write");
    try {
      const out = await this.o.actuator.apply(target, live, action.to, {
        ...limits,
        maxStep: action.maxStep,
        ...(action.minWeight !== undefined ? { minWeight: action.minWeight } : {}),
      });
      this.o.telemetry?.writes.inc({ outcome: out.ok ? "ok" : "failed" });
      return out;
    } catch (e) {
      this.o.telemetry?.writes.inc({ outcome: "refused" });
      return refused((e as Error).message);
    }
  }

  private observeWeights(namespace: string, intent: string, routing: RoutingKnobs): void {
    for (const [subset, w] of Object.entries(routing.weights))
      this.o.telemetry?.weight.set({ namespace, intent, subset }, w);
  }
}

function targetOf(intent: Intent, spec: ResolvedIntentSpec, vs: KubeObject): Target {
  return {
    namespace: intent.metadata.namespace as string,
    host: spec.target.host,
    virtualService: spec.target.virtualService,
    destinationRule: spec.target.destinationRule,
    name: intent.metadata.name,
    port: portOf(vs, spec.target.host),
  };
}

function outcomeError(out: ActOutcome | undefined): string {
  if (!out) return "not the leader";
  return out.ok
    ? ""
    : `${out.error}${out.writes > 0 ? (out.restored ? " (earlier writes put back)" : " (earlier writes could not be put back)") : ""}`;
}

/** The service port of the route to the host, which Envoy's virtual host name carries. */
function portOf(vs: KubeObject, host: string): number {
  const short = host.split(".")[0];
  for (const r of (vs.spec?.http as
    | { route?: { destination: { host: string; port?: { number?: number } } }[] }[]
    | undefined) ?? []) {
    for (const d of r.route ?? [])
      if ((d.destination.host === host || d.destination.host === short) && d.destination.port?.number)
        return d.destination.port.number;
  }
  return 80;
}
