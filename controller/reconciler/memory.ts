/**
 * What the reconciler keeps per intent between intervals: the persisted IntentMemory, plus what a
 * restart may lose (the stale count, the last status written, its seeded random stream).
 */
import { Random } from "../../common/random.js";
import type { StepMemory } from "../control/step.js";
import { ordinal } from "../ordinal.js";
import { type IntentMemory, type SavedState, STATE_FORMAT } from "../state/state-store.js";
import type { IntentStatus } from "./status.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface Runtime extends Mutable<IntentMemory> {
  stale: number;
  lastStatus?: IntentStatus;
  /** When lastStatus was written, for the commentary refresh. */
  lastStatusMs?: number;
  lastRecommendation?: string;
  /** Hedging went over its extra-load cap and may not come back before this. */
  hedgeHeldUntilMs?: number;
  random: Random;
}

export function runtimeOf(key: string, memory: IntentMemory, seed: number): Runtime {
  return { ...memory, stale: 0, random: new Random(seed).fork(`intent:${key}`) };
}

/** The part of a runtime the control step reads. */
export function stepMemoryOf(r: Runtime): StepMemory {
  return {
    policyState: r.state,
    written: r.written,
    lastChangeMs: r.lastChangeMs,
    probation: r.probation,
    stale: r.stale,
    hedgeHeldUntilMs: r.hedgeHeldUntilMs,
  };
}

/** Keeps what the control step left, for the next interval. */
export function keep(r: Runtime, next: StepMemory): void {
  r.state = next.policyState;
  r.written = next.written;
  r.lastChangeMs = next.lastChangeMs;
  r.probation = next.probation;
  r.stale = next.stale;
  r.hedgeHeldUntilMs = next.hedgeHeldUntilMs;
}

/** The state as it is saved: the persisted fields of every runtime, in key order. */
export function snapshotOf(runtimes: ReadonlyMap<string, Runtime>): SavedState {
  const intents: Record<string, IntentMemory> = {};
  for (const [key, r] of [...runtimes].sort(([a], [b]) => ordinal(a, b))) {
    intents[key] = {
      policy: r.policy,
      state: r.state,
      original: r.original,
      written: r.written,
      target: r.target,
      lastChangeMs: r.lastChangeMs,
      probation: r.probation,
      decisions: r.decisions,
    };
  }
  return { format: STATE_FORMAT, intents };
}
