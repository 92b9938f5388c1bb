import { type SimulationConfig, simulate } from "./engine.js";

/** A single-subset configuration of `n` identical one-slot exponential servers. */
function servers(
  n: number,
  slots: number,
  rps: number,
  algorithm: SimulationConfig["routing"]["algorithm"],
  seed = 7,
): SimulationConfig {
  return {
    seed,
    durationMs: 0,
    replicas: Array.from({ length: n }, () => ({
      subset: "v1",
      slots,
      serviceTime: { kind: "exponential", meanMs: 1 } as const,
    })),
    arrivals: { kind: "poisson", rps },
    routing: { algorithm, weights: { v1: 100 } },
  };
}

/** Erlang C: the probability an arrival waits in an M/M/c queue with offered load a = λ/μ. */
function erlangC(c: number, a: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < c; k++) {
    term *= a / k;
    sum += term;
  }
  const last = ((term * a) / c) * (1 / (1 - a / c));
  return last / (sum + last);
}

describe("simulator against queueing theory", () => {
  it.each([0.5, 0.8])("M/M/1 at rho = %s: mean response time 1/(mu - lambda) within 3%%", (rho) => {
    const result = simulate({
      ...servers(1, 1, rho * 1000, "ROUND_ROBIN"),
      durationMs: 1_500_000,
      warmupMs: 50_000,
    });
    const theory = 1 / (1 - rho); // mu = 1 per ms
    expect(Math.abs(result.meanMs / theory - 1)).toBeLessThan(0.03);
    expect(result.utilization[0]).toBeCloseTo(rho, 1);
  });

  it("M/M/c: mean response time from Erlang C within 3%", () => {
    const c = 4;
    const lambdaPerMs = 3.2; // rho = 0.8
    const result = simulate({
      ...servers(1, c, lambdaPerMs * 1000, "ROUND_ROBIN"),
      durationMs: 500_000,
      warmupMs: 20_000,
    });
    const theory = erlangC(c, lambdaPerMs) / (c - lambdaPerMs) + 1;
    expect(Math.abs(result.meanMs / theory - 1)).toBeLessThan(0.03);
  });

  it("power of two choices, 100 servers at rho = 0.9: mean time in system about 2.61 service times (within 5%)", () => {
    // Mitzenmacher's supermarket model: sum over i >= 1 of lambda^((2^i - 2)), about 2.614 at lambda = 0.9.
    let theory = 0;
    for (let i = 1; i < 10; i++) theory += 0.9 ** (2 ** i - 2);
    expect(theory).toBeCloseTo(2.61, 2);
    const result = simulate({
      ...servers(100, 1, 90_000, "LEAST_REQUEST"),
      durationMs: 30_000,
      warmupMs: 3_000,
    });
    expect(Math.abs(result.meanMs / theory - 1)).toBeLessThan(0.05);
  });

  it("random routing over 100 servers behaves as 100 independent M/M/1 queues", () => {
    const result = simulate({ ...servers(100, 1, 50_000, "RANDOM"), durationMs: 20_000, warmupMs: 2_000 });
    expect(Math.abs(result.meanMs / 2 - 1)).toBeLessThan(0.03);
  });
});

describe("simulator mechanics", () => {
  it("reproduces a run exactly from its seed, and differs with another seed", () => {
    const config = { ...servers(10, 2, 12_000, "LEAST_REQUEST", 42), durationMs: 5_000 };
    const a = simulate(config);
    expect(simulate(config)).toEqual(a);
    expect(simulate({ ...config, seed: 43 })).not.toEqual(a);
  });

  it("splits traffic between subsets by weight", () => {
    const config: SimulationConfig = {
      seed: 3,
      durationMs: 20_000,
      replicas: [
        { subset: "v1", slots: 4, serviceTime: { kind: "exponential", meanMs: 1 } },
        { subset: "v2", slots: 4, serviceTime: { kind: "exponential", meanMs: 1 } },
      ],
      arrivals: { kind: "poisson", rps: 2_000 },
      routing: { algorithm: "ROUND_ROBIN", weights: { v1: 90, v2: 10 } },
    };
    const [u1, u2] = simulate(config).utilization;
    expect(u1 / (u1 + u2)).toBeCloseTo(0.9, 2);
  });

  it("divides service time by replica speed", () => {
    const base = servers(1, 1, 100, "ROUND_ROBIN");
    const slow = simulate({ ...base, durationMs: 200_000, replicas: [{ ...base.replicas[0], speed: 0.5 }] });
    const fast = simulate({ ...base, durationMs: 200_000 });
    // M/M/1: 1/(mu - lambda) with mu = 0.5/ms against mu = 1/ms, lambda = 0.1/ms.
    expect(slow.meanMs / fast.meanMs).toBeCloseTo(1 / 0.4 / (1 / 0.9), 1);
  });

  it("counts errors at each replica's error probability", () => {
    const base = servers(1, 8, 2_000, "ROUND_ROBIN");
    const result = simulate({
      ...base,
      durationMs: 50_000,
      replicas: [{ ...base.replicas[0], errorProbability: 0.1 }],
    });
    expect(result.errors / result.completed).toBeCloseTo(0.1, 2);
  });
});

describe("timeouts, retries and hedging (hand-checked)", () => {
  /**
   * Two replicas, deterministic: "slow" takes 10 ms, "fast" 1 ms; a request every 20 ms from
   * t = 20 to t = 2000, so nothing ever queues and all 100 finish within the run. Round robin
   * alternates slow and fast; when a second try follows every first one, the counter comes back
   * to "slow" for each new request.
   */
  const hand = (retries?: SimulationConfig["routing"]["retries"], slowMs = 10): SimulationConfig => ({
    seed: 1,
    durationMs: 2_015,
    replicas: [
      { subset: "v1", slots: 1, serviceTime: { kind: "deterministic", ms: 1 }, speed: 1 / slowMs },
      { subset: "v1", slots: 1, serviceTime: { kind: "deterministic", ms: 1 } },
    ],
    arrivals: { kind: "uniform", rps: 50 },
    routing: { algorithm: "ROUND_ROBIN", weights: { v1: 100 }, retries },
  });

  it("without retries half the requests wait for the slow replica and no load is added", () => {
    const r = simulate(hand());
    expect(r.completed).toBe(100);
    expect(r.extraLoad).toBe(0);
    expect(r.meanMs).toBeCloseTo(5.5, 5);
  });

  it("hedging at 2 ms answers in 3 ms and doubles the tries; the slow replica still does its work", () => {
    const r = simulate(hand({ attempts: 1, perTryTimeoutMs: 2, hedge: true }));
    // Each request: try 1 on slow at t, hedge on fast at t + 2, answer at t + 3.
    expect(r.completed).toBe(100);
    expect(r.extraLoad).toBe(1);
    expect(r.p50Ms).toBeCloseTo(3, 2);
    expect(r.p999Ms).toBeCloseTo(3, 2);
    // Slow works 10 ms and fast 1 ms of every 20 ms.
    expect(r.utilization[0]).toBeCloseTo(0.5, 2);
    expect(r.utilization[1]).toBeCloseTo(0.05, 2);
  });

  it("a hedge lets the first try win when it answers first; a retry has already given up on it", () => {
    // Slow now takes 2.5 ms: the hedge fires at 2 ms, but the first try answers at 2.5 ms.
    const hedged = simulate(hand({ attempts: 1, perTryTimeoutMs: 2, hedge: true }, 2.5));
    expect(hedged.p50Ms).toBeCloseTo(2.5, 2);
    const retried = simulate(hand({ attempts: 1, perTryTimeoutMs: 2 }, 2.5));
    expect(retried.p50Ms).toBeCloseTo(3, 2);
    expect(hedged.extraLoad).toBe(1);
    expect(retried.extraLoad).toBe(1);
  });

  it("fails a request when its last try times out (504) and counts client timeouts", () => {
    // The 50 requests on the slow replica: at 2 ms, and at the client's 5 ms.
    const noTryLeft = simulate(hand({ attempts: 0, perTryTimeoutMs: 2 }));
    expect(noTryLeft.errors).toBe(50);
    expect(noTryLeft.meanMs).toBeCloseTo((50 * 2 + 50 * 1) / 100, 5);
    const clientGaveUp = simulate({ ...hand(), clientTimeoutMs: 5 });
    expect(clientGaveUp.timeouts).toBe(50);
    expect(clientGaveUp.errors).toBe(50);
    expect(clientGaveUp.meanMs).toBeCloseTo((50 * 5 + 50 * 1) / 100, 5);
  });

  it("retries an error on another host when told to", () => {
    const config: SimulationConfig = {
      ...hand(undefined, 1),
      replicas: [
        { subset: "v1", slots: 1, serviceTime: { kind: "deterministic", ms: 1 }, errorProbability: 1 },
        { subset: "v1", slots: 1, serviceTime: { kind: "deterministic", ms: 1 } },
      ],
    };
    expect(simulate(config).errors).toBe(50); // round robin sends every other request to the failing replica
    // Each retry moves the counter on, so every first try fails and every retry succeeds.
    const retried = simulate({
      ...config,
      routing: { ...config.routing, retries: { attempts: 1, perTryTimeoutMs: 100, retryOnError: true } },
    });
    expect(retried.errors).toBe(0);
    expect(retried.extraLoad).toBe(1);
  });
});
