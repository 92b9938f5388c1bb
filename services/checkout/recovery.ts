/**
 * The recovery worker: finishes or undoes every checkout left half-done (its process crashed, its
 * customer hung up, a service was away), by driving it as a live copy would, without the card.
 * It runs once the schema is ready and then on a period; each pass takes only records whose lease
 * has run out, so live requests and other replicas' workers are never disturbed.
 */
import { randomUUID } from "node:crypto";
import { Counter, Gauge, type Registry } from "prom-client";
import { CHECKOUTS_AWAITING_RECOVERY_METRIC } from "../../config/shop.js";
import { drive, type SagaDeps } from "./saga.js";
import type { SagaState } from "./saga-store.js";

export interface RecoveryReport {
  /** Records taken and driven in this pass, by the state each was left in. */
  readonly outcomes: Readonly<Partial<Record<SagaState, number>>>;
  /** Unfinished records nobody holds after the pass. */
  readonly awaiting: number;
}

export interface RecoveryWorker {
  /** One pass; concurrent calls share the pass in flight. */
  runOnce(): Promise<RecoveryReport>;
  /** Starts the period (0 means start-up only); the first pass runs at once. */
  start(intervalMs: number): void;
  /** Ends the period and waits for a pass in flight, so the pool can close under nobody. */
  stop(): Promise<void>;
}

const BATCH = 100;

export function recoveryWorker(
  deps: SagaDeps,
  registry: Registry,
  onCompleted: (sessionId: string) => Promise<void>,
): RecoveryWorker {
  const awaiting = new Gauge({
    name: CHECKOUTS_AWAITING_RECOVERY_METRIC,
    help: "Unfinished checkouts whose driver is gone (crashed, hung up, or its callee was away), after the last recovery pass.",
    registers: [registry],
  });
  const recovered = new Counter({
    name: "meshpilot_checkout_recoveries_total",
    help: "Checkouts the recovery worker drove, by the state it left them in.",
    labelNames: ["state"],
    registers: [registry],
  });
  let inFlight: Promise<RecoveryReport> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const pass = async (): Promise<RecoveryReport> => {
    const outcomes: Partial<Record<SagaState, number>> = {};
    for (const id of await deps.store.stalled(BATCH)) {
      const owner = `recovery:${randomUUID()}`;
      const record = await deps.store.acquire(id, owner, deps.leaseMs);
      if (!record) continue;
      try {
        const left = await drive(
          record,
          { owner, headers: { "x-request-id": `recovery-${randomUUID()}` } },
          deps,
        );
        outcomes[left.state] = (outcomes[left.state] ?? 0) + 1;
        recovered.inc({ state: left.state });
        if (left.state === "completed") await onCompleted(left.sessionId).catch(() => {});
      } catch (e) {
        deps.log.error({ err: e, checkout: id }, "recovery could not drive a checkout");
      }
    }
    const remaining = await deps.store.countStalled();
    awaiting.set(remaining);
    return { outcomes, awaiting: remaining };
  };

  const worker: RecoveryWorker = {
    runOnce() {
      inFlight ??= pass().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    start(intervalMs) {
      const tick = () =>
        void worker
          .runOnce()
          .catch((e) => deps.log.warn({ err: e }, "recovery pass failed; next period retries"));
      tick();
      if (intervalMs > 0) {
        timer = setInterval(tick, intervalMs);
        timer.unref();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      await inFlight?.catch(() => {});
    },
  };
  return worker;
}
