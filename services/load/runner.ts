/**
 * Drives the shop with virtual users over real HTTP and records every request's latency in an
 * HDR histogram per journey step (microseconds, the simulator's histogram).
 *
 * Closed loop: `vus` users each run visit after visit, with think time between requests.
 * Open loop: visits arrive as a Poisson process at `rate` per second whatever the shop's speed,
 * each on its own virtual user, up to `maxVus` at once; arrivals beyond that are counted as dropped.
 */
import hdr, { type Histogram } from "hdr-histogram-js";
import { newLatencyHistogram } from "../../common/latency-histogram.js";
import { Random } from "../../common/random.js";
import { type Mix, planVisit, STEPS, type Step } from "./journey.js";

export interface LoadOptions {
  readonly target: string;
  readonly mode: "closed" | "open";
  /** Closed loop: concurrent users. */
  readonly vus: number;
  /** Open loop: visits per second. */
  readonly rate: number;
  /** Open loop: the most visits in flight. @default 1000 */
  readonly maxVus: number;
  readonly durationMs: number;
  /** Mean think time between a user's requests (exponential). */
  readonly thinkMs: number;
  readonly mix: Mix;
  readonly seed: number;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  readonly productIds: readonly string[];
}

export interface Progress {
  readonly elapsedMs: number;
  readonly active: number;
  readonly requests: number;
  readonly errors: number;
  readonly p99Ms: number;
}

export interface StepStats {
  count: number;
  errors: number;
  statuses: Record<string, number>;
  readonly latency: Histogram;
}

/** One interval of the run, for the latency-over-time plot. */
export interface TimeBucket {
  requests: number;
  errors: number;
  /** Two significant digits in a packed array: hundreds of these stay small. */
  readonly latency: Histogram;
}

/** The interval the timeline is cut into: one second, or longer so a long run has at most 600 points. */
export function timelineBucketMs(durationMs: number): number {
  return 1000 * Math.max(1, Math.ceil(durationMs / 1000 / 600));
}

export interface LoadResult {
  readonly options: LoadOptions;
  readonly elapsedMs: number;
  /** Requests by the interval they started in; a request's latency counts where it began. */
  readonly timeline: { readonly bucketMs: number; readonly buckets: readonly TimeBucket[] };
  readonly steps: Readonly<Record<Step, StepStats>>;
  /** Every request's latency, whatever its step. */
  readonly total: Histogram;
  readonly visits: { started: number; completed: number; dropped: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runLoad(options: LoadOptions, onProgress?: (p: Progress) => void): Promise<LoadResult> {
  const steps = Object.fromEntries(
    STEPS.map((s) => [
      s,
      { count: 0, errors: 0, statuses: {}, latency: newLatencyHistogram() } satisfies StepStats,
    ]),
  ) as Record<Step, StepStats>;
  const all = newLatencyHistogram();
  const visits = { started: 0, completed: 0, dropped: 0 };
  const start = performance.now();
  const deadline = start + options.durationMs;
  const root = new Random(options.seed);
  let active = 0;
  let requests = 0;
  let errors = 0;
  let visitNumber = 0;
  const bucketMs = timelineBucketMs(options.durationMs);
  const buckets: TimeBucket[] = [];
  const bucketAt = (at: number): TimeBucket => {
    const i = Math.max(0, Math.floor((at - start) / bucketMs));
    for (let j = buckets.length; j <= i; j++)
      buckets.push({
        requests: 0,
        errors: 0,
        latency: hdr.build({
          lowestDiscernibleValue: 1,
          highestTrackableValue: 3_600_000_000,
          numberOfSignificantValueDigits: 2,
          bitBucketSize: "packed",
        }),
      });
    return buckets[i];
  };

  /** One visit on one virtual user with its own cookie jar. */
  const visit = async (random: Random) => {
    const plan = planVisit(random, options.mix, options.productIds, visitNumber++);
    let cookie = "";
    for (const action of plan) {
      if (performance.now() >= deadline) return;
      // A visit starts with its first request, so visits started always equals browse requests.
      if (action === plan[0]) visits.started++;
      const headers: Record<string, string> = {
        accept: action.path.startsWith("/api/") ? "application/json" : "text/html",
      };
      if (cookie) headers.cookie = cookie;
      if (action.body !== undefined) headers["content-type"] = "application/json";
      if (action.idempotencyKey) headers["idempotency-key"] = action.idempotencyKey;
      const began = performance.now();
      let status = "error";
      try {
        const res = await fetch(`${options.target}${action.path}`, {
          method: action.method,
          headers,
          body: action.body === undefined ? undefined : JSON.stringify(action.body),
          redirect: "manual",
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        await res.arrayBuffer();
        status = String(res.status);
        const set = res.headers.get("set-cookie");
        if (set) cookie = set.split(";")[0];
      } catch (e) {
        status = (e as { name?: string }).name === "TimeoutError" ? "timeout" : "error";
      }
      const micros = Math.max(1, Math.round((performance.now() - began) * 1000));
      const stats = steps[action.step];
      stats.count++;
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      stats.latency.recordValue(micros);
      all.recordValue(micros);
      const bucket = bucketAt(began);
      bucket.requests++;
      bucket.latency.recordValue(micros);
      requests++;
      // 4xx and 5xx, timeouts and connection failures all count: a healthy journey gets 2xx/3xx only.
      if (!/^[23]\d\d$/.test(status)) {
        stats.errors++;
        bucket.errors++;
        errors++;
        return;
      }
      if (options.thinkMs > 0)
        await sleep(Math.min(random.exponential(options.thinkMs), 10 * options.thinkMs));
    }
    visits.completed++;
  };

  const ticker = setInterval(() => {
    onProgress?.({
      elapsedMs: performance.now() - start,
      active,
      requests,
      errors,
      p99Ms: all.totalCount > 0 ? all.getValueAtPercentile(99) / 1000 : 0,
    });
  }, 1000);

  const users: Promise<void>[] = [];
  if (options.mode === "closed") {
    for (let u = 0; u < options.vus; u++) {
      const random = root.fork(`vu-${u}`);
      users.push(
        (async () => {
          active++;
          // Stagger the start over one think time, so users do not arrive as one burst.
          await sleep(random.uniform() * options.thinkMs);
          while (performance.now() < deadline) await visit(random);
          active--;
        })(),
      );
    }
  } else {
    const arrivals = root.fork("arrivals");
    let next = start;
    let arrived = 0;
    while (next < deadline) {
      next += arrivals.exponential(1000 / options.rate);
      arrived++;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      if (performance.now() >= deadline) break;
      if (active >= options.maxVus) {
        visits.dropped++;
        continue;
      }
      const random = root.fork(`visit-${arrived}`);
      active++;
      users.push(visit(random).finally(() => active--));
    }
  }
  await Promise.all(users);
  clearInterval(ticker);
  return {
    options,
    elapsedMs: performance.now() - start,
    timeline: { bucketMs, buckets },
    steps,
    total: all,
    visits,
  };
}
