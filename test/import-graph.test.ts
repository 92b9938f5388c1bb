import { describe, expect, test } from "@jest/globals";
import { folderCycles, folderEdges, isTestCode, reachableFolders } from "./import-graph.js";

const ROOT = new URL("..", import.meta.url).pathname;

describe("import graph between top-level folders", () => {
  test("production code has no cycle between folders", () => {
    const edges = folderEdges(ROOT, (f) => !isTestCode(ROOT, f));
    expect(folderCycles(edges)).toEqual([]);
  });

  test("config imports no other folder, and the published entry pulls in no controller or service code", () => {
    const edges = folderEdges(ROOT, (f) => !isTestCode(ROOT, f));
    expect(edges.filter((e) => e.from === "config")).toEqual([]);
    const reach = reachableFolders(ROOT, "index.ts");
    expect(reach.has("controller")).toBe(false);
    expect(reach.has("services")).toBe(false);
  });

  test("the cycle finder finds a cycle where there is one", () => {
    const edges = [
      { from: "a", to: "b", example: "" },
      { from: "b", to: "c", example: "" },
      { from: "c", to: "a", example: "" },
      { from: "c", to: "d", example: "" },
    ];
    expect(folderCycles(edges)).toEqual([["a", "b", "c"]]);
  });
});
