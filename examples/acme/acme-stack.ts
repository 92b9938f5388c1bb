/**
 * How another organisation uses Meshpilot: its own stack, its own names, Meshpilot's constructs.
 *
 * Acme runs a payments team on a cluster of its own and keeps its VPC layout, registries and
 * CI elsewhere; it takes the network, cluster, nodes and one workload identity from Meshpilot.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ContainerRegistry, EksCluster, Network, WorkloadIdentity } from "meshpilot/aws";

export interface AcmeStackProps {
  readonly region: string;
  readonly availabilityZones: string[];
}

export class AcmeStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: AcmeStackProps) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: props.region });

    const network = new Network(this, "Network", {
      name: "acme-payments",
      cidr: "10.42.0.0/16",
      availabilityZones: props.availabilityZones,
    });
    const cluster = new EksCluster(this, "Cluster", {
      name: "acme-payments",
      network: { nodeSubnetIds: network.private.ids, controlPlaneSubnetIds: network.intra.ids },
      adminPrincipalArns: ["arn:aws:iam::444444444444:role/acme-sre"],
    });
    cluster.addNodeGroup("Workers", {
      name: "workers",
      instanceTypes: ["m7g.large"],
      amiType: "AL2023_ARM_64_STANDARD",
    });

    const registry = new ContainerRegistry(this, "Registry", { prefix: "acme", repositories: ["ledger"] });
    new WorkloadIdentity(this, "LedgerIdentity", {
      cluster,
      namespace: "payments",
      serviceAccount: "ledger",
      statements: [
        { actions: ["sqs:SendMessage"], resources: ["arn:aws:sqs:eu-central-1:444444444444:ledger-events"] },
      ],
    });

    new TerraformOutput(this, "ledger_repository", { value: registry.repositoryUrls.ledger });
    new TerraformOutput(this, "kubeconfig", { value: cluster.kubeconfigCommand(props.region) });
  }
}
