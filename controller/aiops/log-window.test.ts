import { LogWindow } from "./log-window.js";

describe("log templates over time", () => {
  it("finds a template new in the incident's window and one surging, not the steady ones", () => {
    const w = new LogWindow(1000);
    for (let t = 0; t < 60_000; t += 500) {
      w.add("checkout", t, `request completed ${t % 7} ms`);
      if (t % 10_000 === 0) w.add("checkout", t, "upstream failed payments 503");
    }
    for (let t = 60_000; t < 70_000; t += 500) {
      w.add("checkout", t, `request completed ${t % 7} ms`);
      w.add("checkout", t, "upstream failed payments 503");
      w.add("checkout", t, `saga step charge timed out after ${t % 3} ms`);
    }
    const changes = w.changes("checkout", 0, 60_000, 70_000);
    expect(changes.map((c) => [c.kind, c.template])).toEqual([
      ["new", "saga step charge timed out after <*> ms"],
      ["surging", "upstream failed payments <*>"],
    ]);
    expect(w.changes("checkout", 0, 0, 10)).toEqual([]);
    expect(w.changes("nobody", 0, 60_000, 70_000)).toEqual([]);
  });
});
