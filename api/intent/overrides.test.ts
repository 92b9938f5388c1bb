import { describe, expect, test } from "@jest/globals";
import {
  activeOverrides,
  OVERRIDES_ANNOTATION,
  readOverrides,
  withOverride,
  withoutOverrides,
} from "./overrides.js";

const of = (value: unknown) => ({ [OVERRIDES_ANNOTATION]: JSON.stringify(value) });
const cap = { kind: "cap-subset", subset: "v2", maxWeight: 0, by: "AIOpsPolicy/shop" } as const;
const pod = { kind: "quarantine-pod", pod: "catalog-v1-abc", by: "alice" } as const;

describe("routing overrides on a TrafficIntent", () => {
  test("no annotation is no override, and well-formed entries are read as written", () => {
    expect(readOverrides(undefined)).toEqual({ valid: true, overrides: [] });
    expect(readOverrides({ other: "x" })).toEqual({ valid: true, overrides: [] });
    expect(readOverrides(of([cap, pod]))).toEqual({ valid: true, overrides: [cap, pod] });
  });

  test("a malformed annotation is one problem naming the annotation, the entry and the fix", () => {
    const notJson = readOverrides({ [OVERRIDES_ANNOTATION]: "{cap" });
    expect(notJson).toMatchObject({ valid: false });
    expect(!notJson.valid && notJson.problem).toMatch(/is not JSON.*fix or remove the annotation/);
    const badWeight = readOverrides(of([{ ...cap, maxWeight: 150 }]));
    expect(!badWeight.valid && badWeight.problem).toMatch(
      /optimizer\.meshpilot\.io\/overrides\[0\]\.maxWeight: must be <= 100/,
    );
    const noOwner = readOverrides(of([{ kind: "quarantine-pod", pod: "p" }]));
    expect(!noOwner.valid && noOwner.problem).toMatch(/overrides\[0\]\.by: is required/);
    const unknownKind = readOverrides(of([{ kind: "drain", by: "x" }]));
    expect(unknownKind.valid).toBe(false);
    const badTime = readOverrides(of([{ ...cap, until: "tomorrow" }]));
    expect(!badTime.valid && badTime.problem).toMatch(/until/);
    expect(readOverrides(of({ ...cap })).valid).toBe(false);
  });

  test("an expired entry is not in force", () => {
    const at = Date.parse("2026-12-03T10:00:00Z");
    const list = [
      { ...cap, until: "2026-12-03T09:59:59Z" },
      { ...pod, until: "2026-12-03T10:00:01Z" },
      { ...cap, subset: "v3" },
    ];
    expect(activeOverrides(list, at).map((o) => o.kind)).toEqual(["quarantine-pod", "cap-subset"]);
  });

  test("an owner replaces and removes only its own entries", () => {
    const mine = { ...cap, maxWeight: 25 };
    const theirs = { ...cap, by: "alice" };
    const updated = JSON.parse(withOverride([cap, theirs, pod], mine));
    expect(updated).toEqual([theirs, pod, mine]);
    const removed = JSON.parse(withoutOverrides(updated, (o) => o.by === "AIOpsPolicy/shop"));
    expect(removed).toEqual([theirs, pod]);
  });
});
