import { describe, expect, test } from "@jest/globals";
import { defaultWindowMs } from "./window.js";

describe("the default telemetry window", () => {
  test("two intervals, and never fewer than four scrapes", () => {
    expect(defaultWindowMs(30_000)).toBe(60_000);
    expect(defaultWindowMs(120_000)).toBe(240_000);
    expect(defaultWindowMs(10_000)).toBe(60_000);
    expect(defaultWindowMs(2_000, 1_000)).toBe(4_000);
  });
});
