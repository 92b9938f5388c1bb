import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { directoryBytes, installedCopies } from "./package-check.js";

describe("the package check's measures", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "package-check-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (path: string, bytes: number) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), "x".repeat(bytes));
  };

  it("finds a nested second copy of constructs, and scoped packages by their full name", () => {
    file("node_modules/constructs/package.json", 10);
    file("node_modules/meshpilot/node_modules/constructs/package.json", 10);
    file("node_modules/@cdktf/provider-aws/package.json", 10);
    expect(installedCopies(dir, "constructs")).toEqual([
      join(dir, "node_modules/constructs"),
      join(dir, "node_modules/meshpilot/node_modules/constructs"),
    ]);
    expect(installedCopies(dir, "@cdktf/provider-aws")).toHaveLength(1);
    expect(installedCopies(dir, "cdk8s")).toEqual([]);
  });

  it("adds up the bytes of every file below a folder", () => {
    file("a/b/c.txt", 1000);
    file("a/d.txt", 24);
    expect(directoryBytes(join(dir, "a"))).toBe(1024);
  });
});
