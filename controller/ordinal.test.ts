import { describe, expect, test } from "@jest/globals";
import { ordinal } from "./ordinal.js";

describe("ordinal", () => {
  test("orders by code unit, whatever the locale: upper case before lower, accents last", () => {
    expect(["b", "B", "a", "é", "A"].sort(ordinal)).toEqual(["A", "B", "a", "b", "é"]);
    expect(ordinal("x", "x")).toBe(0);
  });
});
