import { Random } from "../../common/random.js";
import {
  chooseAction,
  DEFAULT_Q_PARAMETERS,
  emptyQTable,
  epsilon,
  exportQTable,
  greedyAction,
  importQTable,
  qUpdate,
  qValues,
} from "./q-table.js";

const p = { ...DEFAULT_Q_PARAMETERS, alpha: 0.5, gamma: 0.9 };

describe("Q-learning table", () => {
  it("applies the update rule on a hand-computed example", () => {
    // Q(s1) = [0, 2], Q(s2) = [1, 4]; take action 0 in s1, reward 1, land in s2.
    const table = { actions: ["hold", "shift"], decisions: 0, values: { s1: [0, 2], s2: [1, 4] } };
    const { table: next, tdError } = qUpdate(table, { state: "s1", action: 0, reward: 1, next: "s2" }, p);
    // target = 1 + 0.9 * 4 = 4.6; td = 4.6 - 0 = 4.6; Q = 0 + 0.5 * 4.6 = 2.3
    expect(tdError).toBeCloseTo(4.6, 10);
    expect(qValues(next, "s1")).toEqual([2.3, 2]);
    expect(qValues(table, "s1")).toEqual([0, 2]);
    expect(next.decisions).toBe(1);
  });

  it("treats unseen states as zeros and breaks ties toward the first action", () => {
    const table = emptyQTable(["hold", "left", "right"]);
    expect(qValues(table, "new")).toEqual([0, 0, 0]);
    expect(greedyAction(table, "new")).toBe(0);
  });

  it("decays exploration toward its floor", () => {
    const table = emptyQTable(["a"]);
    expect(epsilon(table, DEFAULT_Q_PARAMETERS)).toBe(DEFAULT_Q_PARAMETERS.epsilonStart);
    expect(epsilon({ ...table, decisions: 100_000 }, DEFAULT_Q_PARAMETERS)).toBe(
      DEFAULT_Q_PARAMETERS.epsilonMin,
    );
    const random = new Random(1);
    const explored = Array.from(
      { length: 10_000 },
      () => chooseAction(table, "s", DEFAULT_Q_PARAMETERS, random).explored,
    ).filter(Boolean).length;
    expect(explored / 10_000).toBeCloseTo(DEFAULT_Q_PARAMETERS.epsilonStart, 1);
  });

  it("learns the better action in a two-action bandit", () => {
    const random = new Random(2);
    let table = emptyQTable(["hold", "shift"]);
    for (let t = 0; t < 2000; t++) {
      const { action } = chooseAction(table, "s", p, random);
      const reward = action === 1 ? 1 + random.normal() * 0.1 : 0.5 + random.normal() * 0.1;
      table = qUpdate(table, { state: "s", action, reward, next: "s" }, { ...p, gamma: 0 }).table;
    }
    expect(greedyAction(table, "s")).toBe(1);
    expect(qValues(table, "s")[1]).toBeCloseTo(1, 0);
  });

  it("round-trips through JSON and rejects a table for other actions", () => {
    const table = { actions: ["hold", "shift"], decisions: 7, values: { b: [1, 2], a: [0.5, -1] } };
    const json = exportQTable(table);
    expect(json.indexOf('"a"')).toBeLessThan(json.indexOf('"b"'));
    expect(importQTable(json, ["hold", "shift"])).toEqual({ ...table, values: { a: [0.5, -1], b: [1, 2] } });
    expect(() => importQTable(json, ["hold", "left", "right"])).toThrow(
      `Q-table: 'actions' are ["hold","shift"] but this policy uses`,
    );
    expect(() => importQTable(JSON.stringify({ format: "other" }))).toThrow(`Q-table: 'format' is "other"`);
    const bad = JSON.stringify({ ...JSON.parse(json), values: { a: [1] } });
    expect(() => importQTable(bad)).toThrow("Q-table: 'values.a' must hold 2 finite numbers");
  });
});
