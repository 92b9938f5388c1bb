import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { type EnvironmentConfig, PROJECT, type StateBackendConfig } from "../config/environments.js";
import { ciRoleName } from "../constructs/aws/ci-identity.js";
import { StateBackend } from "../constructs/aws/state-backend.js";
import { defaultTags } from "./tags.js";

export interface StateBackendStackProps {
  readonly config: StateBackendConfig;
  /**
   * Where this stack's own state lives, relative to the stack's working directory
   * (`<outdir>/stacks/state-backend`). cdktf's default is an absolute path, which would make
   * synth output differ between checkouts.
   */
  readonly localStatePath: string;
  /** Environments whose CI roles may use the state. */
  readonly environments: readonly EnvironmentConfig[];
}

/**
 * The Terraform state bucket. Deploy it first; it keeps its own state locally
 * (see docs/operations.md for moving it into itself afterwards).
 */
export class StateBackendStack extends TerraformStack {
  readonly backend: StateBackend;

  constructor(scope: Construct, id: string, props: StateBackendStackProps) {
    super(scope, id);
    const { config } = props;
    new LocalBackend(this, { path: props.localStatePath });
    new AwsProvider(this, "aws", {
      region: config.region,
      allowedAccountIds: [config.account],
      defaultTags: [{ tags: defaultTags("shared") }],
    });
    const ciRoles = props.environments.flatMap((env) =>
      (["plan", "apply"] as const).map(
        (role) => `arn:aws:iam::${env.account}:role/${ciRoleName(`${PROJECT}-${env.name}`, role)}`,
      ),
    );
    this.backend = new StateBackend(this, "State", {
      bucketName: config.bucketName,
      crossAccountPrincipalArns: ciRoles.filter((arn) => !arn.includes(`::${config.account}:`)),
    });
    new TerraformOutput(this, "state_bucket", { value: this.backend.bucketName });
    new TerraformOutput(this, "state_key_arn", { value: this.backend.keyArn });
  }
}
