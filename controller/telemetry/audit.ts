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
  /** The intent's destination host. */
  readonly host?: string;
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

/** One line per remediation step of the AIOps layer: done, failed, judged, undone or given back. */
export interface AiopsAuditRecord {
  readonly at: string;
  readonly policy: string;
  readonly mode: string;
  readonly incident?: number;
  readonly event: "applied" | "failed" | "helped" | "undone" | "escalated" | "released";
  readonly action: string;
  readonly service: string;
  readonly target: string;
  readonly detail: string;
  /** Why: the guardrail, the check's figures, the kill switch. */
  readonly reason: string;
  readonly error?: string;
}

export type AiopsAuditSink = (record: AiopsAuditRecord) => void;

/** JSON lines on a stream; both trails share the optimizer's one stream. */
export function streamAudit<T = AuditRecord>(stream: Writable): (record: T) => void {
  return (record) => {
    stream.write(`${JSON.stringify(record)}\n`);
  };
}
