import { describe, expect, test } from "@jest/globals";
import { sections, upsertSection } from "./doc-section.js";

describe("BENCHMARKS.md sections", () => {
  test("a section is appended once and then replaced in place, leaving the rest alone", () => {
    const first = upsertSection("# Benchmarks\n\npolicies\n", "optimizer-speed", "## Speed\n\n1 ms");
    expect(first).toBe(
      "# Benchmarks\n\npolicies\n\n<!-- section:optimizer-speed -->\n## Speed\n\n1 ms\n<!-- /section:optimizer-speed -->\n",
    );
    const second = upsertSection(`${first}\ntail\n`, "optimizer-speed", "## Speed\n\n2 ms");
    expect(second).toBe(
      "# Benchmarks\n\npolicies\n\n<!-- section:optimizer-speed -->\n## Speed\n\n2 ms\n<!-- /section:optimizer-speed -->\n\ntail\n",
    );
  });

  test("sections carry over into a rewritten document", () => {
    const old = upsertSection(upsertSection("# old\n", "a", "A"), "b", "B\nmore");
    expect(sections(old)).toEqual([
      { id: "a", body: "A" },
      { id: "b", body: "B\nmore" },
    ]);
    const rewritten = sections(old).reduce((t, s) => upsertSection(t, s.id, s.body), "# new\n");
    expect(rewritten).toBe(
      "# new\n\n<!-- section:a -->\nA\n<!-- /section:a -->\n\n<!-- section:b -->\nB\nmore\n<!-- /section:b -->\n",
    );
  });
});
