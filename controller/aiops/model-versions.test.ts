import { ModelVersions } from "./model-versions.js";

describe("model versions", () => {
  it("rolls a bad model back to the previous one, as a new version, and keeps a bounded history", () => {
    const v = new ModelVersions<string>(3);
    expect(v.rollback(0, "nothing yet")).toBeUndefined();
    v.publish("a", 1, "first");
    expect(v.rollback(2, "only one")).toBeUndefined();
    v.publish("b", 3, "second");
    const back = v.rollback(4, "flagged healthy traffic");
    expect(back).toEqual({
      version: 3,
      createdAtMs: 4,
      model: "a",
      note: "rolled back from v2 to v1's model: flagged healthy traffic",
    });
    expect(v.current?.model).toBe("a");
    for (const m of ["c", "d", "e"]) v.publish(m, 5, m);
    expect(v.history.map((h) => h.model)).toEqual(["c", "d", "e"]);
    expect(() => new ModelVersions(1)).toThrow(/'keep' is 1 but must be a whole number of at least 2/);
  });
});
