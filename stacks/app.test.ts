import { ENVIRONMENTS, STATE_BACKEND } from "../config/environments.js";
import { synthPlatformFiles } from "../test/synth.js";

const files = synthPlatformFiles();
const stack = (name: string) => JSON.parse(files[`stacks/${name}/cdk.tf.json`]);

describe("platform app", () => {
  it("writes the state backend and one stack per environment", () => {
    expect(Object.keys(files).sort()).toEqual([
      "manifest.json",
      "stacks/platform-dev/cdk.tf.json",
      "stacks/platform-prod/cdk.tf.json",
      "stacks/state-backend/cdk.tf.json",
    ]);
  });

  it("is byte-for-byte deterministic", () => {
    expect(synthPlatformFiles()).toEqual(files);
  });

  it.each(ENVIRONMENTS.map((e) => e.name))("keeps %s state under its own key with a native lock", (name) => {
    expect(stack(`platform-${name}`).terraform.backend.s3).toEqual({
      bucket: STATE_BACKEND.bucketName,
      key: `meshpilot/${name}/terraform.tfstate`,
      region: STATE_BACKEND.region,
      encrypt: true,
      use_lockfile: true,
    });
  });

  it.each(ENVIRONMENTS.map((e) => e.name))(
    "pins %s to its account and outputs what operators need",
    (name) => {
      const json = stack(`platform-${name}`);
      const env = ENVIRONMENTS.find((e) => e.name === name);
      expect(json.provider.aws[0].allowed_account_ids).toEqual([env?.account]);
      expect(Object.keys(json.output).sort()).toEqual([
        "ci_apply_role_arn",
        "ci_plan_role_arn",
        "ci_push_role_arn",
        "ci_rollout_role_arn",
        "cluster_endpoint",
        "cluster_name",
        "kubeconfig_command",
        "oidc_issuer",
        "registry_urls",
      ]);
      expect(json.output.kubeconfig_command.value).toBe(
        `aws eks update-kubeconfig --region ${env?.region} --name meshpilot-${name}`,
      );
    },
  );

  it("writes no absolute path, so any checkout synthesizes the same bytes", () => {
    for (const [path, text] of Object.entries(files))
      expect({ path, absolute: text.includes(process.cwd()) }).toEqual({ path, absolute: false });
    expect(stack("state-backend").terraform.backend.local.path).toBe(
      "../../../../terraform.state-backend.tfstate",
    );
  });

  it("is cheap in dev and resilient in prod", () => {
    const nats = (name: string) => Object.keys(stack(`platform-${name}`).resource.aws_nat_gateway).length;
    expect(nats("dev")).toBe(1);
    expect(nats("prod")).toBe(3);
    expect(Object.keys(stack("platform-prod").resource.aws_eks_node_group)).toHaveLength(2);
  });

  it("lets every environment's CI plan and apply roles use the state, by name", () => {
    const policies = Object.values(stack("state-backend").data.aws_iam_policy_document) as {
      statement: { sid?: string; condition?: { values: string[] }[] }[];
    }[];
    const grant = policies.flatMap((p) => p.statement).find((s) => s.sid === "CiRolesState");
    expect(grant?.condition?.[0].values).toEqual([
      "arn:aws:iam::222222222222:role/meshpilot-dev-ci-plan",
      "arn:aws:iam::222222222222:role/meshpilot-dev-ci-apply",
      "arn:aws:iam::333333333333:role/meshpilot-prod-ci-plan",
      "arn:aws:iam::333333333333:role/meshpilot-prod-ci-apply",
    ]);
  });

  it("rejects a production environment that weakens a default, before synth", () => {
    const prod = ENVIRONMENTS.find((e) => e.tier === "production");
    if (!prod) throw new Error("no production environment");
    expect(() => synthPlatformFiles([{ ...prod, natGateways: "single" }])).toThrow(
      "environment 'prod': 'natGateways' is \"single\" but production needs \"one-per-az\"",
    );
  });

  it.each(["platform-dev", "platform-prod", "state-backend"])("matches the %s snapshot", (name) => {
    expect(stack(name)).toMatchSnapshot();
  });
});
