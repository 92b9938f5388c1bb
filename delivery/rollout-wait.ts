/**
 * What a delivery pipeline does after it starts a rollout: wait for the TrafficIntent's
 * status.rollout to reach a result, and say it in a form a pull request shows.
 *
 *   npm run rollout-wait -- --namespace shop --intent catalog [--timeout-minutes 30] [--summary FILE]
 *
 * Exit codes: 0 promoted, 1 aborted, 3 inconclusive (a person decides), 4 no result before the
 * timeout; 2 for bad flags, as every command. The same wait in plain kubectl:
 *   kubectl wait trafficintent/catalog -n shop --for=jsonpath='{.status.rollout.phase}'=Promoted
 */
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { INTENT_GROUP, INTENT_PLURAL, INTENT_VERSION } from "../api/intent/schema.js";

export const RESULTS = ["Promoted", "Aborted", "Inconclusive"] as const;
export type RolloutResult = (typeof RESULTS)[number] | "Timeout";

export const EXIT_CODES: Readonly<Record<RolloutResult, number>> = {
  Promoted: 0,
  Aborted: 1,
  Inconclusive: 3,
  Timeout: 4,
};

export interface RolloutView {
  readonly phase: string;
  readonly canaryWeight?: number;
  readonly reason?: string;
  readonly exposurePercentMinutes?: number;
  readonly evidence?: readonly Record<string, unknown>[];
  readonly gitChange?: { readonly subset: string; readonly image?: string; readonly message: string };
}

interface IntentView {
  metadata: { generation?: number };
  spec?: { rollout?: { canaryImage?: string } };
  status?: { observedGeneration?: number; rollout?: RolloutView };
}

export interface WaitOptions {
  readonly namespace: string;
  readonly name: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /**
   * The canary image this release gave the intent: until the intent shows it (Argo CD has not
   * synced the release yet), a result on record belongs to an earlier rollout and does not count.
   */
  readonly canaryImage?: string;
  /** Injected so tests need no real time. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Each status seen while waiting, for a progress line. */
  readonly onProgress?: (rollout: RolloutView | undefined) => void;
}

/**
 * Polls until status.rollout shows a result for the intent's current generation (a status left
 * from an earlier rollout does not count), or the timeout passes.
 */
export async function waitForRollout(
  custom: CustomObjectsApi,
  o: WaitOptions,
): Promise<{ result: RolloutResult; rollout?: RolloutView }> {
  const deadline = o.now() + o.timeoutMs;
  let last: RolloutView | undefined;
  for (;;) {
    const intent = (await custom.getNamespacedCustomObject({
      group: INTENT_GROUP,
      version: INTENT_VERSION,
      namespace: o.namespace,
      plural: INTENT_PLURAL,
      name: o.name,
    })) as IntentView;
    const synced = o.canaryImage === undefined || intent.spec?.rollout?.canaryImage === o.canaryImage;
    const current = synced && (intent.status?.observedGeneration ?? -1) >= (intent.metadata.generation ?? 0);
    last = current ? intent.status?.rollout : undefined;
    o.onProgress?.(last);
    const phase = last?.phase as RolloutResult | undefined;
    if (phase && (RESULTS as readonly string[]).includes(phase)) return { result: phase, rollout: last };
    if (o.now() >= deadline) return { result: "Timeout", rollout: last };
    await o.sleep(o.pollMs);
  }
}

/** One rollout a release starts, as the pipeline waits for it. */
export interface ExpectedRollout {
  readonly namespace: string;
  readonly name: string;
  readonly canaryImage?: string;
  readonly timeoutMs: number;
}

export interface RolloutOutcome {
  readonly namespace: string;
  readonly name: string;
  readonly result: RolloutResult;
  readonly rollout?: RolloutView;
}

/** Waits for every rollout at once: each has its own deadline, and one slow rollout delays none. */
export async function waitForRollouts(
  custom: CustomObjectsApi,
  expected: readonly ExpectedRollout[],
  o: Omit<WaitOptions, "namespace" | "name" | "timeoutMs" | "canaryImage">,
): Promise<RolloutOutcome[]> {
  return Promise.all(
    expected.map(async (e) => ({
      namespace: e.namespace,
      name: e.name,
      ...(await waitForRollout(custom, { ...o, ...e })),
    })),
  );
}

/** The pipeline's result over several rollouts: an abort wins, then no result, then a person's call. */
export function overallResult(outcomes: readonly RolloutOutcome[]): RolloutResult {
  for (const result of ["Aborted", "Timeout", "Inconclusive"] as const)
    if (outcomes.some((o) => o.result === result)) return result;
  return "Promoted";
}

const HEADLINE: Readonly<Record<RolloutResult, string>> = {
  Promoted: "promoted",
  Aborted: "aborted: all traffic is back on the stable subset",
  Inconclusive: "inconclusive: holding for a person to decide",
  Timeout: "no result before the timeout",
};

/** Markdown for the pull request (or $GITHUB_STEP_SUMMARY): the result, why, the evidence, the Git change. */
export function rolloutSummary(intent: string, result: RolloutResult, rollout?: RolloutView): string {
  const lines = [`### Rollout of ${intent}: ${HEADLINE[result]}`, ""];
  if (rollout) {
    lines.push(
      `Phase **${rollout.phase}**, canary at ${rollout.canaryWeight ?? "?"}%, exposure ${rollout.exposurePercentMinutes ?? "?"} percent-minutes.`,
      "",
    );
    if (rollout.reason) lines.push(`> ${rollout.reason}`, "");
    const evidence = rollout.evidence ?? [];
    if (evidence.length > 0) {
      lines.push(
        "| at | weight | canary p99 ms | stable p99 ms | canary errors | stable errors | verdict |",
        "|---|---|---|---|---|---|---|",
        ...evidence
          .slice(-10)
          .map(
            (e) =>
              `| ${e.at} | ${e.weight}% | ${e.canaryP99Ms ?? ""} | ${e.stableP99Ms ?? ""} | ${e.canaryErrorRatio ?? ""} | ${e.stableErrorRatio ?? ""} | ${e.verdict} |`,
          ),
        "",
      );
    }
    if (rollout.gitChange) lines.push(`**Next:** ${rollout.gitChange.message}`, "");
  }
  return lines.join("\n");
}
