import { describe, expect, test } from "@jest/globals";
import { PRODUCTION_TELEMETRY, telemetryLadder, windowOf } from "./telemetry-model.js";

describe("the telemetry model", () => {
  test("the controller's window: two intervals, never under four scrapes; the ladder ends at production's view", () => {
    expect(windowOf(PRODUCTION_TELEMETRY, 10_000)).toBe(60_000);
    expect(windowOf(PRODUCTION_TELEMETRY, 60_000)).toBe(120_000);
    const ladder = telemetryLadder(10_000);
    expect(ladder[0].model.percentiles).toBe("exact");
    expect(ladder.at(-1)?.model).toBe(PRODUCTION_TELEMETRY);
  });
});
