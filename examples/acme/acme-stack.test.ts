import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { AcmeStack } from "./acme-stack.js";

describe("the Acme example", () => {
  it("imports Meshpilot by package name only", () => {
    const source = readFileSync(join(import.meta.dirname, "acme-stack.ts"), "utf8");
    expect(source).toMatch(/from "meshpilot\/aws";/);
    expect(source).not.toMatch(/from "\.\.\//);
  });

  it("synthesizes with Meshpilot's secure defaults", () => {
    const stack = new AcmeStack(Testing.app(), "acme", {
      region: "eu-central-1",
      availabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
    });
    const json = JSON.parse(Testing.synth(stack));
    const [cluster] = Object.values(json.resource.aws_eks_cluster) as Record<
      string,
      Record<string, unknown>
    >[];
    expect(cluster.vpc_config.endpoint_public_access).toBe(false);
    const [group] = Object.values(json.resource.aws_eks_node_group) as Record<string, unknown>[];
    expect(group.ami_type).toBe("AL2023_ARM_64_STANDARD");
    expect(Object.keys(json.resource.aws_flow_log)).toHaveLength(1);
    const roles = (Object.values(json.resource.aws_iam_role) as { name: string }[]).map((r) => r.name);
    expect(roles).toContain("acme-payments-payments-ledger");
  });
});
