import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { policyStatements, resources, synthAws } from "../../test/synth.js";
import { PermissionsBoundary, ROLE_PERMISSION_ACTIONS } from "./permissions-boundary.js";

function boundary(regions = ["eu-west-1"]) {
  const { json } = synthAws((scope) => {
    const b = new PermissionsBoundary(scope, "Boundary", { namePrefix: "mp-dev", regions });
    b.applyToRolesIn(scope);
    new IamRole(scope, "Later", { name: "mp-dev-later", assumeRolePolicy: "{}" });
  });
  const policy = resources(json, "aws_iam_policy")[0];
  return { json, policy, statements: policyStatements(json, policy.policy) };
}

describe("PermissionsBoundary", () => {
  it("is put on every role in the scope, even one created after it", () => {
    const { json } = boundary();
    const role = resources(json, "aws_iam_role").find((r) => r.name === "mp-dev-later");
    expect(role?.permissions_boundary).toMatch(/^\$\{aws_iam_policy\..*\.arn\}$/);
  });

  it("caps regional services to the platform's regions and IAM to the platform's names", () => {
    const { policy, statements } = boundary(["eu-west-1", "eu-central-1"]);
    expect(policy.name).toBe("mp-dev-boundary");
    const regional = statements.find((s) => s.sid === "RegionalServices");
    expect(regional?.condition).toEqual([
      { test: "StringEquals", variable: "aws:RequestedRegion", values: ["eu-west-1", "eu-central-1"] },
    ]);
    const iam = statements.find((s) => s.sid === "PlatformIam");
    expect(iam?.resources).toEqual([
      expect.stringMatching(/:role\/mp-dev-\*$/),
      expect.stringMatching(/:policy\/mp-dev-\*$/),
      expect.stringMatching(/:instance-profile\/mp-dev\*$/),
      expect.stringMatching(/:oidc-provider\/\*$/),
    ]);
  });

  it("denies creating or changing a role without itself, removing a boundary, and editing itself", () => {
    const { statements } = boundary();
    const without = statements.find((s) => s.sid === "NoRoleWithoutThisBoundary");
    expect(without?.effect).toBe("Deny");
    expect(without?.actions).toEqual(ROLE_PERMISSION_ACTIONS);
    expect(without?.condition).toEqual([
      {
        test: "StringNotEquals",
        variable: "iam:PermissionsBoundary",
        values: [expect.stringMatching(/:policy\/mp-dev-boundary$/)],
      },
    ]);
    expect(statements.find((s) => s.sid === "NoBoundaryRemoval")?.effect).toBe("Deny");
    const edit = statements.find((s) => s.sid === "NoBoundaryEdit");
    expect(edit?.actions).toContain("iam:CreatePolicyVersion");
    expect(edit?.resources).toEqual([expect.stringMatching(/:policy\/mp-dev-boundary$/)]);
  });

  it("rejects a missing or malformed region", () => {
    expect(() => boundary([])).toThrow(
      "PermissionsBoundary: 'regions' is [] but must name at least one AWS region",
    );
    expect(() => boundary(["europe"])).toThrow("'regions' is [\"europe\"]");
  });
});
