import { policyStatements, resources, synthAws, type TerraformJson } from "../../test/synth.js";
import { CiIdentity, type CiIdentityProps, ciRoleName } from "./ci-identity.js";

const STATE = {
  bucketArn: "arn:aws:s3:::state",
  keyAliasArn: "arn:aws:kms:eu-west-1:111111111111:alias/terraform-state/state",
  stateKey: "meshpilot/dev/terraform.tfstate",
};

const BOUNDARY = "arn:aws:iam::222222222222:policy/mp-dev-boundary";

function ci(props: Partial<CiIdentityProps> = {}) {
  const { json } = synthAws(
    (scope) =>
      new CiIdentity(scope, "ci", {
        namePrefix: "mp-dev",
        repository: "example-org/meshpilot",
        pushRepositoryArns: ["arn:aws:ecr:eu-west-1:222222222222:repository/meshpilot/cart"],
        state: STATE,
        permissionsBoundaryArn: BOUNDARY,
        regions: ["eu-west-1"],
        ...props,
      }),
  );
  return json;
}

function role(json: TerraformJson, name: string) {
  const r = resources(json, "aws_iam_role").find((x) => x.name === name);
  if (!r) throw new Error(`no role ${name}`);
  const trust = policyStatements(json, r.assume_role_policy)[0];
  // Each role has one inline policy named after its kind: ci-push, ci-plan, ci-apply.
  const inline = resources(json, "aws_iam_role_policy").find(
    (p) => p.name === name.slice(name.indexOf("ci-")),
  );
  return { trust, permissions: inline ? policyStatements(json, inline.policy) : [] };
}

const condition = (trust: Record<string, unknown>, variable: string) =>
  (trust.condition as { variable: string; values: string[] }[]).find((c) => c.variable === variable)?.values;

describe("CiIdentity", () => {
  it("creates the GitHub OIDC provider for sts.amazonaws.com", () => {
    const [provider] = resources(ci(), "aws_iam_openid_connect_provider");
    expect(provider).toEqual(
      expect.objectContaining({
        url: "https://token.actions.githubusercontent.com",
        client_id_list: ["sts.amazonaws.com"],
      }),
    );
  });

  it("reuses an existing OIDC provider when given one", () => {
    const json = ci({
      existingOidcProviderArn: "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
    });
    expect(resources(json, "aws_iam_openid_connect_provider")).toHaveLength(0);
  });

  it("trusts the push role only for main (and named environments) with aud sts.amazonaws.com", () => {
    const { trust, permissions } = role(ci({ pushEnvironments: ["staging"] }), ciRoleName("mp-dev", "push"));
    expect(condition(trust, "token.actions.githubusercontent.com:aud")).toEqual(["sts.amazonaws.com"]);
    expect(condition(trust, "token.actions.githubusercontent.com:sub")).toEqual([
      "repo:example-org/meshpilot:ref:refs/heads/main",
      "repo:example-org/meshpilot:environment:staging",
    ]);
    const push = permissions.find((s) => s.sid === "PushImages");
    expect(push?.resources).toEqual(["arn:aws:ecr:eu-west-1:222222222222:repository/meshpilot/cart"]);
    expect(push?.actions).toContain("ecr:PutImage");
    const login = permissions.find((s) => s.sid === "Login");
    expect(login?.actions).toEqual(["ecr:GetAuthorizationToken"]);
    expect(permissions).toHaveLength(2);
  });

  it("makes the plan role read-only: ReadOnlyAccess, state read and the lock file", () => {
    const json = ci();
    const { trust, permissions } = role(json, "mp-dev-ci-plan");
    expect(condition(trust, "token.actions.githubusercontent.com:sub")).toEqual([
      "repo:example-org/meshpilot:pull_request",
      "repo:example-org/meshpilot:ref:refs/heads/main",
    ]);
    const writes = permissions.filter((s) => (s.actions as string[]).some((a) => /Put|Delete/.test(a)));
    expect(writes.map((s) => s.resources)).toEqual([
      ["arn:aws:s3:::state/meshpilot/dev/terraform.tfstate.tflock"],
    ]);
    const key = permissions.find((s) => s.sid === "StateKey");
    expect(key?.resources).toEqual(["arn:aws:kms:eu-west-1:111111111111:key/*"]);
    expect(key?.condition).toEqual([
      {
        test: "ForAnyValue:StringEquals",
        variable: "kms:ResourceAliases",
        values: ["alias/terraform-state/state"],
      },
    ]);
    const attached = resources(json, "aws_iam_role_policy_attachment").map((a) => String(a.policy_arn));
    expect(attached).toEqual([expect.stringMatching(/:iam::aws:policy\/ReadOnlyAccess$/)]);
  });

  it("lets the rollout role, from main only, find the cluster and nothing else in AWS", () => {
    const json = ci({ clusterName: "mp-dev", regions: ["eu-west-1", "eu-central-1"] });
    const { trust, permissions } = role(json, ciRoleName("mp-dev", "rollout"));
    expect(condition(trust, "token.actions.githubusercontent.com:sub")).toEqual([
      "repo:example-org/meshpilot:ref:refs/heads/main",
    ]);
    expect(permissions).toEqual([
      expect.objectContaining({
        actions: ["eks:DescribeCluster"],
        resources: [
          expect.stringMatching(/^arn:\$\{.+\}:eks:eu-west-1:\$\{.+\}:cluster\/mp-dev$/),
          expect.stringMatching(/^arn:\$\{.+\}:eks:eu-central-1:\$\{.+\}:cluster\/mp-dev$/),
        ],
      }),
    ]);
    const attached = resources(json, "aws_iam_role_policy_attachment").map((a) => String(a.role));
    expect(attached.some((r) => r.includes("Rollout"))).toBe(false);
  });

  it("limits the apply role to the protected environment and scoped IAM", () => {
    const { trust, permissions } = role(ci({ applyEnvironment: "production" }), "mp-dev-ci-apply");
    expect(condition(trust, "token.actions.githubusercontent.com:sub")).toEqual([
      "repo:example-org/meshpilot:environment:production",
    ]);
    // Roles change only with the boundary on them, and only the platform's own.
    const withBoundary = permissions.find((s) => s.sid === "RolesWithBoundary");
    expect(withBoundary?.actions).toEqual(expect.arrayContaining(["iam:CreateRole", "iam:PutRolePolicy"]));
    expect(withBoundary?.resources).toEqual([expect.stringMatching(/:role\/mp-dev-\*$/)]);
    expect(withBoundary?.condition).toEqual([
      { test: "StringEquals", variable: "iam:PermissionsBoundary", values: [BOUNDARY] },
    ]);
    const iamStatements = permissions.filter((s) =>
      (s.actions as string[]).some((a) => a.startsWith("iam:")),
    );
    for (const s of iamStatements) {
      const writes = (s.actions as string[]).filter((a) => !/^iam:(Get|List)/.test(a));
      if (writes.length > 0) expect(s.resources).not.toContain("*");
    }
    // No service-wide wildcard on every resource, except EC2, which is held to the region instead.
    for (const s of permissions.filter((x) => (x.resources as string[]).includes("*"))) {
      const wildcards = (s.actions as string[]).filter((a) => a.endsWith(":*"));
      if (wildcards.length > 0) {
        expect(wildcards).toEqual(["ec2:*"]);
        expect(s.condition).toEqual([
          { test: "StringEquals", variable: "aws:RequestedRegion", values: ["eu-west-1"] },
        ]);
      }
    }
    const cluster = permissions.find((s) => s.sid === "Cluster");
    expect(cluster?.resources).toContainEqual(expect.stringMatching(/:eks:eu-west-1:.*:cluster\/mp-dev$/));
    for (const s of permissions) expect(s.actions).not.toContain("*");
  });

  it.each([
    [{ repository: "no-slash" }, 'CiIdentity: \'repository\' is "no-slash" but must be "owner/name"'],
    [{ pushRepositoryArns: [] }, "'pushRepositoryArns' is [] but must name at least one repository"],
    [{ state: { ...STATE, keyAliasArn: "arn:aws:kms:eu-west-1:1:key/abc" } }, "'state.keyAliasArn' is"],
  ])("rejects %j", (props, message) => {
    expect(() => ci(props)).toThrow(message);
  });
});
