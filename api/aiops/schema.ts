/**
 * AIOpsPolicy: what the AIOps layer watches in one namespace and how boldly it may act, in the
 * optimizer.meshpilot.io API group. This OpenAPI v3 schema is the single source: the CRD ships it
 * and the controller validates every policy it reads with it again.
 *
 * observe (the default) detects, groups, ranks, summarizes and proposes what it would do with the
 * guardrails applied; act carries out what the guardrails allow (controller/aiops/remediation.ts).
 * Going back to observe is the kill switch: everything still in effect is undone.
 */

import { CONDITION_SCHEMA, INTENT_GROUP, INTENT_VERSION } from "../intent/schema.js";
import { ACTION_KINDS, type ActionKind } from "./action-kinds.js";

export const AIOPS_GROUP = INTENT_GROUP;
export const AIOPS_VERSION = INTENT_VERSION;
export const AIOPS_KIND = "AIOpsPolicy";
export const AIOPS_PLURAL = "aiopspolicies";
export const AIOPS_API_VERSION = `${AIOPS_GROUP}/${AIOPS_VERSION}`;

const NAME = { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 } as const;

const integer = (def: number, minimum: number, maximum: number, description: string) =>
  ({ type: "integer", default: def, minimum, maximum, description }) as const;
const number = (def: number, minimum: number, maximum: number, description: string) =>
  ({ type: "number", default: def, minimum, maximum, description }) as const;

export const AIOPS_SPEC_SCHEMA = {
  type: "object",
  required: ["services"],
  additionalProperties: false,
  properties: {
    mode: {
      type: "string",
      enum: ["observe", "act"],
      default: "observe",
      description:
        "observe: detect, group, rank, summarize and propose; nothing is changed in the cluster. act: carry out what the guardrails allow. Setting observe again is the kill switch: every action still in effect is undone.",
    },
    paused: {
      type: "boolean",
      default: false,
      description:
        "A human override: while paused nothing is evaluated, proposed, announced, done or undone; what was done stays as it is.",
    },
    services: {
      type: "object",
      minProperties: 1,
      maxProperties: 500,
      description:
        "The services watched (their app label, as Istio's destination_service_name), each with the services it calls: the call graph root causes are ranked on.",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          calls: { type: "array", items: NAME, maxItems: 100, default: [] },
          horizontalPodAutoscaler: {
            ...NAME,
            description:
              "The HPA whose minReplicas a scale-out may raise (the optimizer's Role must name it); without one the service is never scaled.",
          },
        },
      },
    },
    detection: {
      type: "object",
      additionalProperties: false,
      default: {},
      properties: {
        intervalSeconds: integer(15, 5, 300, "How often the signals are read: the scrape interval."),
        windowSeconds: integer(60, 15, 900, "The rate window of every signal: four scrapes."),
        zThreshold: number(6, 2, 50, "Robust deviations (1.4826 × MAD) that make a signal anomalous."),
        consecutive: integer(2, 1, 20, "Anomalous readings in a row before a service is anomalous."),
        warmupReadings: integer(60, 10, 100000, "Healthy readings a service needs before it is judged."),
        retrainEveryReadings: integer(720, 60, 1000000, "Healthy readings between autoencoder versions."),
        quietSeconds: integer(60, 15, 3600, "Quiet time after which an incident closes."),
      },
    },
    remediation: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "The guardrails every proposed action is judged against.",
      properties: {
        allowed: {
          type: "array",
          items: { type: "string", enum: [...ACTION_KINDS] },
          default: [...ACTION_KINDS],
          maxItems: ACTION_KINDS.length,
        },
        maxActionsPerHour: integer(4, 0, 100, "Actions in any rolling hour, all services together."),
        cooldownSeconds: integer(
          600,
          0,
          86400,
          "Time after an action on a service before another may touch it.",
        ),
        maxPodShare: number(0.25, 0, 1, "Share of a service's ready pods restarted or quarantined at once."),
        maxScaleStep: integer(2, 1, 50, "Replicas one scale-out adds to minReplicas."),
        maxScaleFactor: number(2, 1, 10, "minReplicas never above this multiple of the current replicas."),
        maxShiftPercent: integer(50, 1, 100, "Weight moved off a version by one action, percentage points."),
        verifySeconds: integer(180, 30, 3600, "When an action is checked for having helped."),
      },
    },
  },
} as const;

export interface AIOpsPolicySpec {
  readonly mode?: "observe" | "act";
  readonly paused?: boolean;
  readonly services: Readonly<
    Record<string, { readonly calls?: readonly string[]; readonly horizontalPodAutoscaler?: string }>
  >;
  readonly detection?: Partial<ResolvedAIOpsSpec["detection"]>;
  readonly remediation?: Partial<ResolvedAIOpsSpec["remediation"]>;
}

export interface ResolvedAIOpsSpec {
  readonly mode: "observe" | "act";
  readonly paused: boolean;
  readonly services: Readonly<
    Record<string, { readonly calls: readonly string[]; readonly horizontalPodAutoscaler?: string }>
  >;
  readonly detection: {
    readonly intervalSeconds: number;
    readonly windowSeconds: number;
    readonly zThreshold: number;
    readonly consecutive: number;
    readonly warmupReadings: number;
    readonly retrainEveryReadings: number;
    readonly quietSeconds: number;
  };
  readonly remediation: {
    readonly allowed: readonly ActionKind[];
    readonly maxActionsPerHour: number;
    readonly cooldownSeconds: number;
    readonly maxPodShare: number;
    readonly maxScaleStep: number;
    readonly maxScaleFactor: number;
    readonly maxShiftPercent: number;
    readonly verifySeconds: number;
  };
}

export const AIOPS_STATUS_SCHEMA = {
  type: "object",
  properties: {
    observedGeneration: { type: "integer" },
    conditions: { type: "array", items: CONDITION_SCHEMA },
    lastEvaluated: { type: "string", format: "date-time" },
    openIncidents: { type: "integer" },
    services: {
      type: "array",
      maxItems: 500,
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          state: { type: "string", enum: ["learning", "healthy", "anomalous", "unreadable"] },
          severity: { type: "number" },
          modelVersion: { type: "integer" },
        },
      },
    },
    incidents: {
      type: "array",
      maxItems: 20,
      items: {
        type: "object",
        properties: {
          id: { type: "integer" },
          openedAt: { type: "string", format: "date-time" },
          closedAt: { type: "string", format: "date-time" },
          services: { type: "array", items: { type: "string" } },
          suspect: { type: "string" },
          summary: { type: "string", maxLength: 8192 },
          proposals: {
            type: "array",
            maxItems: 10,
            items: {
              type: "object",
              properties: {
                action: { type: "string" },
                detail: { type: "string" },
                reason: { type: "string" },
              },
            },
          },
        },
      },
    },
    actions: {
      type: "array",
      maxItems: 20,
      description: "The latest actions carried out, newest first, with their verdicts once checked.",
      items: {
        type: "object",
        properties: {
          incident: { type: "integer" },
          action: { type: "string" },
          service: { type: "string" },
          target: { type: "string" },
          detail: { type: "string" },
          at: { type: "string", format: "date-time" },
          verdict: { type: "string", enum: ["helped", "undone", "escalated", "failed"] },
        },
      },
    },
    telemetryErrors: { type: "array", maxItems: 5, items: { type: "string", maxLength: 1024 } },
  },
} as const;
