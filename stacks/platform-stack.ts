import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  argoCdHighAvailability,
  type EnvironmentConfig,
  lokiBucketName,
  PROJECT,
  platformName,
  type StateBackendConfig,
} from "../config/environments.js";
import { imageNames } from "../config/shop.js";
import { ociChartRepositories } from "../config/upstream-charts.js";
import { ROLLOUT_READERS_GROUP } from "../constructs/aws/addon-names.js";
import { CiIdentity } from "../constructs/aws/ci-identity.js";
import { ContainerRegistry } from "../constructs/aws/container-registry.js";
import { EksCluster } from "../constructs/aws/eks-cluster.js";
import { GitOpsBootstrap } from "../constructs/aws/gitops-bootstrap.js";
import { Karpenter } from "../constructs/aws/karpenter.js";
import { LoadBalancerControllerIdentity } from "../constructs/aws/load-balancer-controller.js";
import { LokiStorage } from "../constructs/aws/loki-storage.js";
import { Network } from "../constructs/aws/network.js";
import { PermissionsBoundary } from "../constructs/aws/permissions-boundary.js";
import { stateKeyAlias, useRemoteState } from "../constructs/aws/state-backend.js";
import { PROJECTS } from "../constructs/k8s/namespaces.js";
import type { Manifest } from "../constructs/k8s/schemas.js";
import { defaultTags } from "./tags.js";

export interface PlatformStackProps {
  readonly env: EnvironmentConfig;
  readonly state: StateBackendConfig;
  /** The environment's Argo CD projects (`synthArgoProjects`), sized to its GitOps tree. */
  readonly argoProjects: readonly Manifest[];
}

/** The state object key of an environment's platform stack. */
export function stateKey(env: EnvironmentConfig): string {
  return `${PROJECT}/${env.name}/terraform.tfstate`;
}

/** One environment's AWS platform: network, cluster, nodes, registries, CI identities and the GitOps bootstrap. */
export class PlatformStack extends TerraformStack {
  readonly network: Network;
  readonly cluster: EksCluster;
  readonly registry: ContainerRegistry;
  readonly ci: CiIdentity;
  readonly boundary: PermissionsBoundary;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const { env, state } = props;
    const name = platformName(env);

    new AwsProvider(this, "aws", {
      region: env.region,
      allowedAccountIds: [env.account],
      defaultTags: [{ tags: defaultTags(env.name) }],
    });
    useRemoteState(this, { bucketName: state.bucketName, region: state.region, key: stateKey(env) });

    this.network = new Network(this, "Network", {
      name,
      cidr: env.vpcCidr,
      availabilityZones: env.availabilityZones,
      natGateways: env.natGateways,
      interfaceEndpoints: env.interfaceEndpoints,
      flowLogRetentionDays: env.logRetentionDays,
    });
    this.registry = new ContainerRegistry(this, "Registry", { prefix: PROJECT, repositories: imageNames() });
    // Every role this stack creates carries the boundary, the CI roles included: whatever the apply
    // role writes into a role's policies, the boundary caps it.
    // The platform's region and the state bucket's: apply writes the state there.
    const regions = [...new Set([env.region, state.region])].sort();
    this.boundary = new PermissionsBoundary(this, "Boundary", { namePrefix: name, regions });
    this.boundary.applyToRolesIn(this);
    this.ci = new CiIdentity(this, "Ci", {
      namePrefix: name,
      permissionsBoundaryArn: this.boundary.policyArn,
      regions,
      registryPrefix: PROJECT,
      repository: env.github.repository,
      pushRepositoryArns: this.registry.repositoryArns,
      pushEnvironments: env.github.pushEnvironments,
      applyEnvironment: env.github.applyEnvironment,
      state: {
        bucketArn: `arn:aws:s3:::${state.bucketName}`,
        keyAliasArn: `arn:aws:kms:${state.region}:${state.account}:alias/${stateKeyAlias(state.bucketName)}`,
        stateKey: stateKey(env),
      },
    });
    this.cluster = new EksCluster(this, "Cluster", {
      name,
      network: { nodeSubnetIds: this.network.private.ids, controlPlaneSubnetIds: this.network.intra.ids },
      kubernetesVersion: env.kubernetesVersion,
      // CI's apply role installs Argo CD through Helm; its plan role reads what Terraform manages in the cluster.
      adminPrincipalArns: [...env.adminPrincipalArns, this.ci.applyRole.arn],
      viewerPrincipalArns: [this.ci.planRole.arn],
      // The delivery workflow waits for a rollout's result under this role: it reads TrafficIntents only.
      groupPrincipals: [{ principalArn: this.ci.rolloutRole.arn, groups: [ROLLOUT_READERS_GROUP] }],
      publicAccessCidrs: env.publicAccessCidrs,
      logRetentionDays: env.logRetentionDays,
      deletionProtection: env.clusterDeletionProtection,
    });
    for (const group of env.nodeGroups) this.cluster.addNodeGroup(`NodeGroup-${group.name}`, group);

    new LokiStorage(this, "Loki", { cluster: this.cluster, bucketName: lokiBucketName(env) });
    // The GitOps tree installs both controllers (charts/addons-chart.ts); their roles, the node role and
    // the interruption queue are here, under names both sides derive.
    new LoadBalancerControllerIdentity(this, "LoadBalancerController", { cluster: this.cluster });
    new Karpenter(this, "Karpenter", { cluster: this.cluster, nodeSubnetIds: this.network.private.ids });
    new GitOpsBootstrap(this, "GitOps", {
      cluster: this.cluster,
      region: env.region,
      source: env.gitops,
      projects: props.argoProjects,
      rootProject: PROJECTS.root,
      ociHelmRepositories: ociChartRepositories(),
      access: { ...env.argocd, highAvailability: argoCdHighAvailability(env) },
    });

    new TerraformOutput(this, "cluster_name", { value: this.cluster.clusterName });
    new TerraformOutput(this, "cluster_endpoint", { value: this.cluster.endpoint });
    new TerraformOutput(this, "oidc_issuer", { value: this.cluster.oidcIssuerUrl });
    new TerraformOutput(this, "registry_urls", { value: this.registry.repositoryUrls });
    new TerraformOutput(this, "ci_push_role_arn", { value: this.ci.pushRole.arn });
    new TerraformOutput(this, "ci_plan_role_arn", { value: this.ci.planRole.arn });
    new TerraformOutput(this, "ci_apply_role_arn", { value: this.ci.applyRole.arn });
    new TerraformOutput(this, "ci_rollout_role_arn", { value: this.ci.rolloutRole.arn });
    new TerraformOutput(this, "kubeconfig_command", { value: this.cluster.kubeconfigCommand(env.region) });
  }
}
