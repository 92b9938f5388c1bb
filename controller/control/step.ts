/**
 * The one control step. Every runner (the reconciler in the cluster, the simulator behind the
 * bench, `npm run simulate` and pretraining, the closed-loop test) calls it once per interval
 * per intent, and none keeps a rule of its own: the kill switch, pause, stale and partial
 * telemetry, rollback with probation, the policy, the guardrails and the hedging load cap all
 * live here.
 *
 * It is pure: no I/O, no clock, no randomness but the stream it is handed. It says what to
 * write and returns the memory to keep both when that write lands and when it fails, so the
 * runner only carries out the action and picks one.
 */
import type { GuardrailLimits } from "../../api/guardrail-limits.js";
import type { RoutingOverride } from "../../api/intent/overrides.js";
import type { Random } from "../../common/random.js";
import type { Observation } from "../metrics/observation.js";
import { applyGuardrails } from "../policy/guardrails.js";
import type { Objectives, Policy, RoutingKnobs } from "../policy/policy.js";
import type { RewardTerms } from "../policy/reward.js";
import { describeChange } from "./explain.js";
import { boundLane } from "./lane-bound.js";
import { enforceOverrides } from "./overrides.js";
import { judge, type Probation, startProbation } from "./rollback.js";
import { capHedging, type SafetySettings, telemetryProblem } from "./safety.js";

export type Mode = "observe" | "recommend" | "act";

/** What the intent asks for, resolved: everything the step needs besides the observation. */
export interface StepSettings {
  readonly mode: Mode;
  readonly paused: boolean;
  readonly objectives: Objectives;
  readonly guardrails: GuardrailLimits;
  readonly hedgingAllowed: boolean;
  readonly safety: SafetySettings;
  /** Why the target cannot host a quarantine lane (its subsets do not select the lane label); undefined when it can. */
  readonly laneUnavailable?: string;
  /**
   * Limits the routing honours whatever the policy proposes (the AIOps layer's traffic actions, a
   * person's): those in force now. @default none
   */
  readonly overrides?: readonly RoutingOverride[];
}

/** What a runner keeps for one intent between intervals. */
export interface StepMemory {
  readonly policyState: unknown;
  /** The routing Meshpilot last wrote and still owns; undefined while Git's routing is in force. */
  readonly written?: RoutingKnobs;
  readonly lastChangeMs?: number;
  readonly probation?: Probation;
  /** Stale intervals in a row. */
  readonly stale: number;
  /** Hedging went over its extra-load cap and may not come back before this. */
  readonly hedgeHeldUntilMs?: number;
}

export interface StepInput {
  readonly observation: Observation;
  /** The routing in force, as the actuator reads it. */
  readonly live: RoutingKnobs;
  readonly nowMs: number;
  readonly random: Random;
  /** False when this runner may not write (a follower replica): it decides but never acts. */
  readonly canWrite: boolean;
}

export type StepKind =
  | "observe"
  | "recommend"
  | "hold"
  | "paused"
  | "stale"
  | "change"
  | "rollback"
  | "restore";

export type StepAction =
  | { readonly kind: "none" }
  /**
   * Write `to`; `maxStep` is the largest weight move the write may make, and `minWeight`, when set,
   * the lowest weight it may leave (an override's cap below the guardrails' floor).
   */
  | {
      readonly kind: "apply";
      readonly to: RoutingKnobs;
      readonly maxStep: number;
      readonly minWeight?: number;
    }
  /** Put back the routing in force before Meshpilot's first write: the kill switch, or telemetry gone stale. */
  | { readonly kind: "restore"; readonly cause: "kill-switch" | "stale-telemetry" };

export interface StepResult {
  readonly kind: StepKind;
  readonly action: StepAction;
  readonly explanation: string;
  /** The routing the policy chose after the guardrails and the cap, written or not. */
  readonly proposed?: RoutingKnobs;
  readonly reward?: RewardTerms;
  /** What the safety rules and guardrails did this interval, in words. */
  readonly safety: readonly string[];
  /** The memory to keep if the action lands, and if it fails (equal when there is no action). */
  readonly next: { readonly applied: StepMemory; readonly failed: StepMemory };
}

const NONE: StepAction = { kind: "none" };

function same(memory: StepMemory): StepResult["next"] {
  return { applied: memory, failed: memory };
}

/** A safety action only a writer carries out: a follower keeps its memory as it was. */
function gated(canWrite: boolean, action: StepAction, next: StepResult["next"]) {
  return canWrite ? { action, next } : { action: NONE, next: same(next.failed) };
}

export function controlStep(
  policy: Policy<unknown>,
  settings: StepSettings,
  memory: StepMemory,
  input: StepInput,
): StepResult {
  const acting = settings.mode === "act" && !settings.paused;
  // Kill switch: an intent that stops acting gives the routing back.
  if (!acting && !settings.paused && memory.written) {
    const restored = { ...memory, written: undefined, probation: undefined };
    return {
      kind: "restore",
      ...gated(
        input.canWrite,
        { kind: "restore", cause: "kill-switch" },
        { applied: restored, failed: memory },
      ),
      explanation: `Mode is ${settings.mode}: restored the routing recorded before Meshpilot's first write.`,
      safety: ["kill switch"],
    };
  }
  if (settings.paused) {
    return {
      kind: "paused",
      action: NONE,
      explanation: "Paused: nothing is written and manual weights stand.",
      safety: ["paused"],
      next: same(memory),
    };
  }
  const problem = telemetryProblem(input.observation, input.live);
  if (problem) return staleStep(settings, memory, input, problem, acting);
  const fresh = { ...memory, stale: 0 };
  if (acting && fresh.probation) {
    const verdict = judge(fresh.probation, input.observation, settings.objectives, settings.safety.rollback);
    if (verdict.kind === "rollback") {
      const lastGood = enforceOverrides(fresh.probation.lastGood, settings.overrides ?? []).routing;
      return {
        kind: "rollback",
        // Going back to known-good routing is a safety action: it may undo several steps at once.
        ...gated(
          input.canWrite,
          { kind: "apply", to: lastGood, maxStep: settings.guardrails.total, ...capFloor(settings) },
          {
            applied: { ...fresh, probation: undefined, written: lastGood, lastChangeMs: input.nowMs },
            failed: { ...fresh, probation: undefined },
          },
        ),
        explanation: `Rolled back to the last-known-good routing: ${verdict.reason}.`,
        proposed: lastGood,
        safety: [`rollback: ${verdict.reason}`],
      };
    }
    return policyStep(
      policy,
      settings,
      { ...fresh, probation: verdict.kind === "watching" ? verdict.probation : undefined },
      input,
      acting,
    );
  }
  return policyStep(policy, settings, fresh, input, acting);
}

function staleStep(
  settings: StepSettings,
  memory: StepMemory,
  input: StepInput,
  problem: string,
  acting: boolean,
): StepResult {
  const stale = memory.stale + 1;
  const limit = settings.safety.staleLimit;
  const counted = { ...memory, stale };
  if (stale >= limit && acting && memory.written) {
    return {
      kind: "restore",
      ...gated(
        input.canWrite,
        { kind: "restore", cause: "stale-telemetry" },
        { applied: { ...counted, written: undefined, probation: undefined }, failed: counted },
      ),
      explanation: `${capitalize(problem)} for ${stale} intervals: restored the original static routing.`,
      safety: [`${problem}: restore after ${limit} intervals`],
    };
  }
  return {
    kind: "stale",
    action: NONE,
    explanation: `${capitalize(problem)} for ${stale} interval${stale > 1 ? "s" : ""}: holding the routing${stale >= limit ? " (Degraded)" : ""}.`,
    safety: [`${problem}: holding`],
    next: same(counted),
  };
}

function policyStep(
  policy: Policy<unknown>,
  settings: StepSettings,
  memory: StepMemory,
  input: StepInput,
  acting: boolean,
): StepResult {
  const { observation, live, nowMs } = input;
  const out = policy.decide(observation, memory.policyState, {
    nowMs,
    random: input.random,
    current: live,
    objectives: settings.objectives,
    guardrails: settings.guardrails,
    hedgingAllowed: settings.hedgingAllowed,
    lastChangeMs: memory.lastChangeMs,
  });
  const notes: string[] = [];
  const guarded = applyGuardrails(live.weights, out.decision.routing.weights, settings.guardrails, {
    nowMs,
    lastChangeMs: memory.lastChangeMs,
    telemetryFresh: true,
  });
  if (guarded.held) notes.push(`Weights held: ${guarded.reason}.`);
  else if (guarded.clamped) notes.push("Guardrails limited the step.");
  const capped = capHedging({
    proposed: { ...out.decision.routing, weights: guarded.weights },
    live,
    observation,
    hedgingAllowed: settings.hedgingAllowed,
    safety: settings.safety,
    heldUntilMs: memory.hedgeHeldUntilMs,
    nowMs,
  });
  if (capped.note) notes.push(capped.note);
  const overridden = enforceOverrides(capped.routing, settings.overrides ?? []);
  notes.push(...overridden.notes);
  const bounded = boundLane({
    proposed: overridden.routing,
    live,
    observation,
    hedgingAllowed: settings.hedgingAllowed,
    limits: settings.safety.lanes,
    unavailable: settings.laneUnavailable,
  });
  notes.push(...bounded.notes);
  // Over the cap, hedging stays off for a cooldown (at least a minute), so it does not flap.
  if (capped.tripped)
    memory = { ...memory, hedgeHeldUntilMs: nowMs + Math.max(settings.guardrails.cooldownMs, 60_000) };
  const proposed = bounded.routing;
  const changed = describeChange(live, proposed).length > 0 || changedWeights(live, proposed);
  const explanation = [out.decision.explanation, `Weights ${weightsText(proposed)}.`, ...notes].join(" ");
  const held = policy.held ? policy.held(out.state) : out.state;
  const base = {
    kind: "hold" as StepKind,
    proposed,
    reward: out.decision.reward,
    safety: notes,
    explanation,
  };
  if (!acting || !input.canWrite || !changed) {
    const kind: StepKind = settings.mode === "act" ? "hold" : settings.mode;
    return {
      ...base,
      kind,
      action: NONE,
      next: same({ ...memory, policyState: acting && input.canWrite ? out.state : held }),
    };
  }
  // A run of changes is judged as one, against the routing before its first step.
  const probation = memory.probation
    ? { ...memory.probation, applied: proposed }
    : startProbation(live, proposed, observation, settings.objectives);
  return {
    ...base,
    kind: "change",
    // An override moves weight at once, like a rollback; the policy's own moves keep the step
    // limit. A cap in force lowers the floor on every write, or the next one could not keep it.
    action: {
      kind: "apply",
      to: proposed,
      maxStep: changedWeights(capped.routing, overridden.routing)
        ? settings.guardrails.total
        : settings.guardrails.maxStep,
      ...capFloor(settings),
    },
    next: {
      applied: { ...memory, policyState: out.state, probation, written: proposed, lastChangeMs: nowMs },
      failed: { ...memory, policyState: held },
    },
  };
}

/** The floor a write under overrides may go down to: the lowest cap, when below the guardrails' floor. */
function capFloor(settings: StepSettings): { minWeight?: number } {
  const caps = (settings.overrides ?? []).flatMap((o) => (o.kind === "cap-subset" ? [o.maxWeight] : []));
  const lowest = Math.min(settings.guardrails.minWeight, ...caps);
  return lowest < settings.guardrails.minWeight ? { minWeight: lowest } : {};
}

function changedWeights(a: RoutingKnobs, b: RoutingKnobs): boolean {
  return Object.keys({ ...a.weights, ...b.weights }).some((s) => (a.weights[s] ?? 0) !== (b.weights[s] ?? 0));
}

function weightsText(r: RoutingKnobs): string {
  return Object.keys(r.weights)
    .sort()
    .map((n) => `${n}=${r.weights[n]}`)
    .join(" ");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
