import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity/index.js";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition/index.js";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region/index.js";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";

/** Account, partition and region of the stack's AWS provider, as Terraform tokens. */
export interface AwsContext {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
  readonly dnsSuffix: string;
}

const CONTEXT_ID = "MeshpilotAwsContext";

/**
 * The AWS context of the stack that holds `scope`, created once per stack.
 *
 * Policies and ARNs use these tokens rather than strings from config, so a construct
 * placed in any account or region writes correct ARNs without extra props.
 */
export function awsContext(scope: Construct): AwsContext {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(CONTEXT_ID) as AwsContextHolder | undefined;
  return existing ?? new AwsContextHolder(stack, CONTEXT_ID);
}

class AwsContextHolder extends DataAwsCallerIdentity implements AwsContext {
  readonly partition: string;
  readonly region: string;
  readonly dnsSuffix: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const partition = new DataAwsPartition(scope, `${id}Partition`);
    const region = new DataAwsRegion(scope, `${id}Region`);
    this.partition = partition.partition;
    this.dnsSuffix = partition.dnsSuffix;
    this.region = region.region;
  }
}
