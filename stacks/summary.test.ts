import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatSummary, summarizeGitOps, summarizeTerraform } from "./summary.js";

describe("synth summary", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "meshpilot-summary-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("counts resources and data sources from the written files", () => {
    mkdirSync(join(dir, "tf/stacks/a"), { recursive: true });
    writeFileSync(
      join(dir, "tf/stacks/a/cdk.tf.json"),
      JSON.stringify({
        resource: { aws_vpc: { v: {} }, aws_subnet: { s1: {}, s2: {} } },
        data: { aws_region: { r: {} } },
      }),
    );
    const [a] = summarizeTerraform(join(dir, "tf"));
    expect(a).toEqual(expect.objectContaining({ name: "a", resources: 3, dataSources: 1 }));
    const text = formatSummary([a], [], ["prod: careful"], dir);
    expect(text).toMatch(/^ {2}a +3 resources +1 data sources {2}tf\/stacks\/a\/cdk\.tf\.json$/m);
    expect(text).toContain("Warnings (1):\n  ! prod: careful");
  });

  it("counts manifests per application and says when there are none", () => {
    expect(formatSummary([], summarizeGitOps(join(dir, "missing")), [], dir)).toContain(
      "GitOps tree: no charts synthesized yet",
    );
    mkdirSync(join(dir, "gitops/dev/shop/cart"), { recursive: true });
    writeFileSync(join(dir, "gitops/dev/shop/cart/deployment.yaml"), "kind: Deployment\n");
    writeFileSync(join(dir, "gitops/dev/shop/service.yaml"), "kind: Service\n");
    writeFileSync(join(dir, "gitops/dev/shop/README.md"), "not a manifest\n");
    expect(summarizeGitOps(join(dir, "gitops"))).toEqual([{ environment: "dev", applications: { shop: 2 } }]);
  });
});
