/**
 * The audit trail: one JSON line per intent per interval in which something was decided, with
 * the observation, the decision, the reward terms and what the guardrails did. Lines go to a
 * writable stream (a file, or stdout where the cluster's log pipeline keeps them).
 */
import type { Writable } from "node:stream";
import type { Observation } from "../metrics/observation.js";
import type { RoutingKnobs } from "../policy/policy.js";
import type { RewardTerms } from "../policy/reward.js";
import type { DecisionKind } from "./metrics.js";

export interface AuditRecord {
  readonly at: string;
  readonly intent: string;
  readonly generation?: number;
  readonly mode: string;
  readonly kind: DecisionKind;
  readonly leader: boolean;
  readonly observation?: Observation;
  readonly from?: RoutingKnobs;
  readonly to?: RoutingKnobs;
  readonly explanation: string;
  readonly reward?: RewardTerms;
  /** What the guardrails and safety checks did, in words. */
  readonly guardrails: readonly string[];
  readonly write?: { readonly ok: boolean; readonly error?: string };
}

export type AuditSink = (record: AuditRecord) => void;

export function streamAudit(stream: Writable): AuditSink {
  return (record) => {
    stream.write(`${JSON.stringify(record)}\n`);
  };
}
