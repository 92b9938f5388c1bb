import { TerraformStack, Testing } from "cdktf";
import { onlyResource, policyStatements, resources, synthAws } from "../../test/synth.js";
import { StateBackend, stateKeyAlias, useRemoteState } from "./state-backend.js";

describe("StateBackend", () => {
  it("is a secure bucket with a rotating key aliased for CI grants", () => {
    const { json } = synthAws((scope) => new StateBackend(scope, "s", { bucketName: "mp-state" }));
    expect(onlyResource(json, "aws_s3_bucket").bucket).toBe("mp-state");
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({
      status: "Enabled",
    });
    expect(onlyResource(json, "aws_kms_alias").name).toBe(`alias/${stateKeyAlias("mp-state")}`);
    expect(onlyResource(json, "aws_kms_key").enable_key_rotation).toBe(true);
    expect(resources(json, "aws_s3_bucket_public_access_block")).toHaveLength(1);
  });

  it("lets named cross-account roles use the state, matched on aws:PrincipalArn", () => {
    const roles = ["arn:aws:iam::222222222222:role/mp-dev-ci-plan"];
    const { json } = synthAws(
      (scope) => new StateBackend(scope, "s", { bucketName: "mp-state", crossAccountPrincipalArns: roles }),
    );
    const statements = policyStatements(json, onlyResource(json, "aws_s3_bucket_policy").policy);
    const grant = statements.find((s) => s.sid === "CiRolesState");
    expect(grant).toEqual(
      expect.objectContaining({
        effect: "Allow",
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        resources: [expect.stringMatching(/:s3:::mp-state\/\*$/)],
        condition: [{ test: "ArnEquals", variable: "aws:PrincipalArn", values: roles }],
      }),
    );
    const keyPolicy = policyStatements(json, onlyResource(json, "aws_kms_key").policy);
    expect(keyPolicy.find((s) => s.sid === "CiRolesUseKey")?.condition).toEqual([
      { test: "ArnEquals", variable: "aws:PrincipalArn", values: roles },
    ]);
  });

  it("configures the S3 backend with a native lock file", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "s");
    useRemoteState(stack, {
      bucketName: "mp-state",
      region: "eu-west-1",
      key: "meshpilot/dev/terraform.tfstate",
    });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.terraform.backend.s3).toEqual({
      bucket: "mp-state",
      key: "meshpilot/dev/terraform.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    });
  });
});
