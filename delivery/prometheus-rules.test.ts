import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { synthGitOpsTree, writeGitOpsTree } from "../charts/gitops-tree.js";
import { ENVIRONMENTS } from "../config/environments.js";
import { exportPrometheusRules } from "./prometheus-rules.js";

const work = mkdtempSync(join(tmpdir(), "meshpilot-rules-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm run rules", () => {
  it("exports every PrometheusRule of the tree as a rule file promtool accepts", () => {
    const gitops = join(work, "gitops");
    for (const env of ENVIRONMENTS) writeGitOpsTree(gitops, env, synthGitOpsTree(env));
    const files = exportPrometheusRules(gitops, join(work, "rules"));
    expect(files.map((f) => f.slice(work.length + 1))).toEqual([
      "rules/dev.shop-slo.yaml",
      "rules/prod.shop-slo.yaml",
    ]);
    const groups = (parse(readFileSync(files[0], "utf8")) as { groups: { rules: unknown[] }[] }).groups;
    expect(groups.length).toBeGreaterThan(0);

    // Debian's promtool, as ci.yml runs it.
    const check = spawnSync("promtool", ["check", "rules", ...files], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    expect(check.stdout.match(/SUCCESS: \d+ rules found/g)).toHaveLength(2);
  });

  it("refuses a tree without rules", () => {
    expect(() => exportPrometheusRules(join(work, "nowhere"), join(work, "out"))).toThrow(
      "run npm start first",
    );
  });
});
