import type { Construct } from "constructs";
import { EksCluster, type EksClusterProps } from "../constructs/aws/eks-cluster.js";

/** A cluster on made-up subnet ids, for constructs that need one. */
export function testCluster(scope: Construct, props: Partial<EksClusterProps> = {}): EksCluster {
  return new EksCluster(scope, "cluster", {
    name: "mp-test",
    network: { nodeSubnetIds: ["subnet-a", "subnet-b"], controlPlaneSubnetIds: ["subnet-x", "subnet-y"] },
    ...props,
  });
}
