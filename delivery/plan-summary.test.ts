import { describe, expect, it } from "@jest/globals";
import { parsePlan, summarizePlan } from "./plan-summary.js";

/** The shape of `terraform show -json` (format 1.2), trimmed to what the summary reads. */
const plan = (changes: [string, string[]][]) =>
  JSON.stringify({
    format_version: "1.2",
    terraform_version: "1.11.4",
    resource_changes: changes.map(([address, actions]) => ({
      address,
      mode: "managed",
      change: { actions, before: { secret: "s3cr3t" }, after: { secret: "s3cr3t" } },
    })),
  });

describe("plan summary", () => {
  it("counts and lists what changes, destructive first, and prints no values", () => {
    const text = summarizePlan(
      "prod",
      parsePlan(
        plan([
          ["aws_ecr_repository.Registry_cart", ["create"]],
          ["aws_eks_cluster.Cluster", ["update"]],
          ["aws_iam_role.Ci_PushRole", ["delete", "create"]],
          ["aws_s3_bucket.Old", ["delete"]],
          ["data.aws_caller_identity.current", ["read"]],
          ["aws_vpc.Network", ["no-op"]],
        ]),
      ),
    );
    expect(text).toContain("<!-- meshpilot-plan:prod -->");
    expect(text).toContain("**1 to create, 1 to update, 1 to replace, 1 to destroy.**");
    expect(text).toContain(":warning: 2 resource(s) will be destroyed");
    const rows = text
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| change") && !l.startsWith("| ---"));
    expect(rows).toEqual([
      "| destroy | `aws_s3_bucket.Old` |",
      "| replace (destroy and create) | `aws_iam_role.Ci_PushRole` |",
      "| update in place | `aws_eks_cluster.Cluster` |",
      "| create | `aws_ecr_repository.Registry_cart` |",
    ]);
    expect(text).not.toContain("s3cr3t");
  });

  it("says so when nothing changes", () => {
    expect(summarizePlan("dev", parsePlan(plan([["aws_vpc.Network", ["no-op"]]])))).toContain("No changes.");
  });

  it("fits a GitHub comment however large the plan", () => {
    const many = Array.from({ length: 3000 }, (_, i): [string, string[]] => [
      `aws_route.Network_private_route_${String(i).padStart(4, "0")}`,
      ["create"],
    ]);
    const text = summarizePlan("dev", parsePlan(plan(many)));
    expect(text.length).toBeLessThan(65_536);
    expect(text).toMatch(/\d+ more change\(s\) left out to fit a comment/);
  });

  it("refuses what is not a plan", () => {
    expect(() => parsePlan("Error: no state")).toThrow("the plan is not JSON");
    expect(() => parsePlan("{}")).toThrow("the plan has no format_version");
  });
});
