import { Random } from "../../common/random.js";
import { EventQueue } from "./event-queue.js";

describe("EventQueue", () => {
  it("pops in time order, ties in insertion order", () => {
    const q = new EventQueue<string>();
    const random = new Random(1);
    const pushed: [number, string][] = [];
    for (let i = 0; i < 2000; i++) {
      const t = Math.floor(random.uniform() * 50); // many ties
      pushed.push([t, `e${i}`]);
      q.push(t, `e${i}`);
    }
    const expected = [...pushed]
      .sort((a, b) => a[0] - b[0] || Number(a[1].slice(1)) - Number(b[1].slice(1)))
      .map(([, e]) => e);
    const popped: string[] = [];
    while (q.size > 0) popped.push(q.pop());
    expect(popped).toEqual(expected);
    expect(q.peekTime()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("Random", () => {
  it("is reproducible and forks independent streams", () => {
    const draw = (r: Random) => Array.from({ length: 5 }, () => r.uniform());
    expect(draw(new Random(9))).toEqual(draw(new Random(9)));
    expect(draw(new Random(9).fork("a"))).not.toEqual(draw(new Random(9).fork("b")));
  });

  it("samples exponential, lognormal and bounded Pareto with the right moments", () => {
    const r = new Random(5);
    const n = 200_000;
    const mean = (f: () => number) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += f();
      return s / n;
    };
    expect(mean(() => r.exponential(3))).toBeCloseTo(3, 1);
    expect(mean(() => r.lognormal(2, 0.5))).toBeCloseTo(2, 1);
    // Bounded Pareto mean for alpha != 1: (L^a / (1 - (L/H)^a)) * (a / (a - 1)) * (1/L^(a-1) - 1/H^(a-1)).
    const [a, L, H] = [1.5, 1, 100];
    const theory = (L ** a / (1 - (L / H) ** a)) * (a / (a - 1)) * (1 / L ** (a - 1) - 1 / H ** (a - 1));
    expect(Math.abs(mean(() => r.boundedPareto(a, L, H)) / theory - 1)).toBeLessThan(0.03);
    for (let i = 0; i < 1000; i++) {
      const x = r.boundedPareto(a, L, H);
      expect(x >= L && x <= H).toBe(true);
    }
  });
});
