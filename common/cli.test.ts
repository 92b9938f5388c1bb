import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../test/tools.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "meshpilot-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the commands' help and errors", () => {
  it.each([
    ["controller/bench/bench.ts", "usage: npm run bench"],
    ["controller/simulate.ts", "usage: npm run simulate"],
    ["controller/pretrain.ts", "usage: npm run pretrain"],
    ["controller/bench/reconcile-bench.ts", "usage: npm run bench:optimizer"],
  ])("%s --help prints its usage and exits 0", (script, usage) => {
    const r = runScript(script, ["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(usage);
  });

  it("an unknown flag is one line naming it, then the usage, exit 2", () => {
    const r = runScript("controller/bench/bench.ts", ["--bogus"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toBe("bench: Unknown option '--bogus'");
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("a missing scenario file says which and why, without a stack trace", () => {
    const r = runScript("controller/simulate.ts", ["--scenario", "no-such.json"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("simulate: cannot read scenario file 'no-such.json': no such file\n");
  });

  it("a bad scenario lists each problem once, with its JSON path, and nothing else", () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ name: "x", durationMs: 1000, replicas: [], routing: {} }));
    const r = runScript("controller/simulate.ts", ["--scenario", file]);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split("\n");
    expect(lines[0]).toMatch(/^simulate: .*bad\.json: invalid scenario$/);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.slice(1).every((l) => /^ {2}\$[.\w[\]]*: /.test(l))).toBe(true);
  });
});
