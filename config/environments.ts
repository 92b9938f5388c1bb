import type { ArgoCdAccess, ArgoCdSso } from "./argocd.js";
import { ecrRepositoryName, type NatGatewayMode, type NodeGroupOptions } from "./aws-options.js";
import type { AlertReceiver, MonitoringConfig } from "./monitoring.js";

/** Production gets the strict posture checks; development may trade resilience for cost. */
export type EnvironmentTier = "development" | "production";

/** Redis and PostgreSQL run in the cluster (dev) or are managed services reached by address (prod). */
export type DataStores =
  | { readonly mode: "in-cluster" }
  | {
      readonly mode: "external";
      readonly redis: { readonly host: string; readonly port: number };
      readonly postgresql: { readonly host: string; readonly port: number; readonly database: string };
    };

/** How the gitops workflow delivers a release to an environment's branch. */
export type GitOpsPromotion = "push" | "pull-request";

/** A rollout an environment declares; the fields and defaults are the TrafficIntent's spec.rollout. */
export interface EnvironmentRollout {
  readonly stable: string;
  readonly canary: string;
  readonly exposureBudgetPercentMinutes?: number;
  /** @default 30 */
  readonly deadlineMinutes?: number;
  readonly gates?: readonly number[];
}

/**
 * Predictive autoscaling an environment declares for a service; the fields and defaults are the
 * TrafficIntent's spec.autoscaling, and every version's HorizontalPodAutoscaler is scaled.
 */
export interface EnvironmentAutoscaling {
  /** @default "observe" */
  readonly mode?: "observe" | "act";
  /** @default "holt-winters" */
  readonly forecaster?: "seasonal-naive" | "holt-winters" | "lstm";
  readonly quantile?: number;
  readonly maxStep?: number;
  readonly budgetReplicaMinutesPerDay?: number;
  /** @default 150 */
  readonly readySeconds?: number;
  readonly spikeFilterSeconds?: number;
}

/** Everything one environment needs; stacks and charts read only this. */
export interface EnvironmentConfig {
  readonly name: string;
  readonly tier: EnvironmentTier;
  /** 12-digit AWS account id; charts derive IAM role ARNs from it. */
  readonly account: string;
  readonly region: string;
  /** Zone names, fixed here so synth never asks AWS. */
  readonly availabilityZones: string[];
  readonly vpcCidr: string;
  readonly natGateways: NatGatewayMode;
  readonly interfaceEndpoints: boolean;
  readonly kubernetesVersion: string;
  readonly nodeGroups: NodeGroupOptions[];
  /** IAM principals that administer the cluster through access entries. */
  readonly adminPrincipalArns: string[];
  /** CIDRs that may reach the public API endpoint; empty keeps the endpoint private. */
  readonly publicAccessCidrs: string[];
  readonly logRetentionDays: number;
  readonly clusterDeletionProtection: boolean;
  /**
   * Where Argo CD finds this environment's tree in Git: the GitOps repository, the directory of the
   * root Application's manifests (the tree `npm start` writes as `dist/gitops/<env>/` goes to its parent)
   * and the branch. CI's gitops workflow commits there.
   */
  readonly gitops: {
    readonly repoUrl: string;
    readonly path: string;
    readonly revision: string;
    /**
     * How a new release reaches the branch: `push` commits straight to it; `pull-request` opens a pull
     * request a reviewer merges. Production must use `pull-request`.
     * @default "push" in development, "pull-request" in production
     */
    readonly promotion?: GitOpsPromotion;
  };
  /** Where people reach Argo CD and how they sign in. Production needs SSO and runs it highly available. */
  readonly argocd: ArgoCdAccess;
  /** What the GitOps tree deploys. */
  readonly shop: {
    /** Image tag for every shop image; CI replaces it with the commit it built. Never "latest". */
    readonly imageTag: string;
    /**
     * The digest each image was pushed with (`sha256:…`), by image name: the shop's services and
     * the optimizer, all of them or none. Pinned, the cluster pulls exactly what CI built and scanned.
     */
    readonly imageDigests?: Readonly<Record<string, string>>;
    /**
     * Versions that keep an earlier image, by service then version: the release sets it for a
     * rollout's stable subset (the image last promoted) while the canary runs the new release.
     */
    readonly versionImages?: Readonly<
      Record<string, Readonly<Record<string, { readonly imageTag: string; readonly imageDigest?: string }>>>
    >;
    /** Host name the ingress gateway serves the shop on. */
    readonly host: string;
    readonly dataStores: DataStores;
  };
  /**
   * The optimizer's default intents start in `observe` (learn only). Promote a service here, by
   * pull request: `{ modes: { catalog: "recommend" } }`, then "act" once its recommendations read right.
   */
  readonly optimizer?: {
    readonly modes?: Readonly<Record<string, "observe" | "recommend" | "act">>;
    /**
     * Rollouts the tree declares, by service: `{ recommendation: { stable: "v1", canary: "v2" } }`
     * puts spec.rollout in that service's intent, with the released image as the canary's, so each
     * release starts a new rollout; the gitops workflow then waits for its result and reports it on
     * the pull request. The service must be in `act`: a rollout that may not move traffic never ends.
     */
    readonly rollouts?: Readonly<Record<string, EnvironmentRollout>>;
    /**
     * Predictive autoscaling, by service: `{ frontend: {} }` has the optimizer forecast frontend's
     * load and explain, in the intent's status and Events, the minReplicas it would set on each
     * version's HPA; `{ frontend: { mode: "act" } }` has it set them. Promote by pull request too.
     */
    readonly autoscaling?: Readonly<Record<string, EnvironmentAutoscaling>>;
    /**
     * The AIOps layer's policy for the shop. `act` has it restart the one pod telemetry singles out
     * and raise a service's first version's HPA floor, under its guardrails, and grants exactly the
     * rights that takes (pod eviction in the shop's namespace, patch on those HPAs).
     * @default observe: it detects, explains and proposes; nothing is changed
     */
    readonly aiops?: { readonly mode?: "observe" | "act" };
  };
  /**
   * Prometheus replicas and alert receivers. Production needs two replicas and both receivers.
   * @default one Prometheus, alerts sent nowhere
   */
  readonly monitoring?: MonitoringConfig;
  /** The GitHub repository whose Actions build, push and deploy. */
  readonly github: {
    readonly repository: string;
    /** Environments that may push images besides main. */
    readonly pushEnvironments: string[];
    /** The protected environment that may apply infrastructure. */
    readonly applyEnvironment: string;
    /**
     * The runner label infra.yml plans and applies on. The platform stack's Helm and Kubernetes
     * providers talk to the cluster's API, which is private unless `publicAccessCidrs` opens it, so
     * a runner inside the VPC (self-hosted, or a GitHub runner with private networking) is usually needed.
     * @default GitHub's hosted ubuntu runner
     */
    readonly infraRunner?: string;
  };
}

/** The state bucket shared by every environment, in its own stack. */
export interface StateBackendConfig {
  readonly account: string;
  readonly region: string;
  readonly bucketName: string;
}

export const PROJECT = "meshpilot";

/**
 * Example accounts and repositories: replace them with yours.
 *
 * The account ids are placeholders in AWS's documentation range; synth needs no credentials.
 */
export const STATE_BACKEND: StateBackendConfig = {
  account: "111111111111",
  region: "eu-west-1",
  bucketName: "meshpilot-terraform-state-111111111111",
};

// The rendered trees live in their own repository: deploy commits never trigger the source's CI,
// and a rollback is a revert there that touches nothing else.
const GITOPS_REPO = "https://github.com/example-org/meshpilot-gitops.git";
const GITHUB_REPO = "example-org/meshpilot";

/** Sign-in through the organisation's OIDC provider; platform engineers administer, developers read. */
function exampleSso(env: string): ArgoCdSso {
  return {
    issuer: "https://login.example.com",
    clientId: `argocd-${env}`,
    clientSecret: { name: "argocd-oidc", key: "client-secret" },
    adminGroups: ["platform-engineers"],
    readonlyGroups: ["developers"],
  };
}

const DEV_ALERTS_CHANNEL: AlertReceiver = {
  type: "slack",
  channel: "#shop-dev-alerts",
  webhookUrl: { name: "alertmanager-slack", key: "webhook-url" },
};

export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    name: "dev",
    tier: "development",
    account: "222222222222",
    region: "eu-west-1",
    availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    vpcCidr: "10.10.0.0/16",
    // One NAT gateway saves two thirds of the NAT bill; an AZ outage cuts dev off, which is acceptable.
    natGateways: "single",
    interfaceEndpoints: false,
    kubernetesVersion: "1.34",
    nodeGroups: [
      {
        name: "general",
        instanceTypes: ["m7i.large", "m6i.large"],
        capacityType: "SPOT",
        minSize: 2,
        desiredSize: 3,
        maxSize: 5,
        labels: { "meshpilot.io/pool": "general" },
      },
    ],
    adminPrincipalArns: ["arn:aws:iam::222222222222:role/platform-admin"],
    publicAccessCidrs: [],
    logRetentionDays: 30,
    clusterDeletionProtection: false,
    gitops: { repoUrl: GITOPS_REPO, path: "dev/apps", revision: "main" },
    argocd: { url: "https://argocd.dev.example.com", sso: exampleSso("dev") },
    shop: { imageTag: "0.1.0", host: "shop.dev.example.com", dataStores: { mode: "in-cluster" } },
    // Every release to dev rolls recommendation out as a canary: v2 runs the new image, v1 keeps the
    // last promoted one, and the gitops workflow waits for the verdict before prod gets the release.
    optimizer: {
      modes: { recommendation: "act" },
      rollouts: { recommendation: { stable: "v1", canary: "v2" } },
      // The storefront's floor is forecast in observe mode: status and Events say what it would set.
      autoscaling: { frontend: {} },
    },
    // Dev pages nobody: both severities go to the team's channel.
    monitoring: {
      alertReceivers: {
        critical: DEV_ALERTS_CHANNEL,
        warning: DEV_ALERTS_CHANNEL,
      },
    },
    github: { repository: GITHUB_REPO, pushEnvironments: [], applyEnvironment: "dev" },
  },
  {
    name: "prod",
    tier: "production",
    account: "333333333333",
    region: "eu-west-1",
    availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    vpcCidr: "10.20.0.0/16",
    natGateways: "one-per-az",
    interfaceEndpoints: true,
    kubernetesVersion: "1.34",
    nodeGroups: [
      {
        name: "system",
        instanceTypes: ["m7i.large"],
        capacityType: "ON_DEMAND",
        minSize: 3,
        desiredSize: 3,
        maxSize: 6,
        labels: { "meshpilot.io/pool": "system" },
        taints: [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }],
      },
      {
        name: "shop",
        instanceTypes: ["m7i.xlarge", "m6i.xlarge"],
        capacityType: "ON_DEMAND",
        minSize: 3,
        desiredSize: 3,
        maxSize: 12,
        labels: { "meshpilot.io/pool": "shop" },
      },
    ],
    adminPrincipalArns: ["arn:aws:iam::333333333333:role/platform-admin"],
    publicAccessCidrs: [],
    logRetentionDays: 365,
    clusterDeletionProtection: true,
    gitops: { repoUrl: GITOPS_REPO, path: "prod/apps", revision: "main" },
    argocd: { url: "https://argocd.example.com", sso: exampleSso("prod") },
    shop: {
      imageTag: "0.1.0",
      host: "shop.example.com",
      dataStores: {
        mode: "external",
        redis: { host: "cart.prod.cache.internal.example.com", port: 6379 },
        postgresql: { host: "orders.prod.db.internal.example.com", port: 5432, database: "orders" },
      },
    },
    monitoring: {
      prometheusReplicas: 2,
      alertReceivers: {
        critical: { type: "pagerduty", routingKey: { name: "alertmanager-pagerduty", key: "routing-key" } },
        warning: {
          type: "slack",
          channel: "#shop-alerts",
          webhookUrl: { name: "alertmanager-slack", key: "webhook-url" },
        },
      },
    },
    github: { repository: GITHUB_REPO, pushEnvironments: [], applyEnvironment: "production" },
  },
];

/** The environment's name prefix for AWS resources and its cluster name. */
export function platformName(env: EnvironmentConfig): string {
  return `${PROJECT}-${env.name}`;
}

/** Loki's chunk bucket: the AWS stack creates it, the observability chart points Loki at it. */
export function lokiBucketName(env: EnvironmentConfig): string {
  return `${platformName(env)}-loki-${env.account}`;
}

/** How releases reach the environment's GitOps branch (see `gitops.promotion`). */
export function gitopsPromotion(env: EnvironmentConfig): GitOpsPromotion {
  return env.gitops.promotion ?? (env.tier === "production" ? "pull-request" : "push");
}

/** Whether Argo CD runs highly available (see `argocd.highAvailability`). */
export function argoCdHighAvailability(env: EnvironmentConfig): boolean {
  return env.argocd.highAvailability ?? env.tier === "production";
}

/** Registry host of an environment's images. */
export function registryHost(env: EnvironmentConfig): string {
  return `${env.account}.dkr.ecr.${env.region}.amazonaws.com`;
}

/** Where an image lives in the environment's registry, without tag or digest. */
export function imageRepository(env: EnvironmentConfig, image: string): string {
  return `${registryHost(env)}/${ecrRepositoryName(PROJECT, image)}`;
}

/** The result of checking an environment's posture: errors stop synth, warnings are printed. */
export interface PostureReport {
  readonly errors: string[];
  readonly warnings: string[];
}

/**
 * Checks that a production environment keeps the secure, resilient defaults.
 *
 * Development may be cheap; production may not, and every weakening is named.
 */
export function checkPosture(env: EnvironmentConfig): PostureReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  const at = `environment '${env.name}'`;
  if (!/^\d{12}$/.test(env.account))
    errors.push(`${at}: 'account' is "${env.account}" but must be a 12-digit AWS account id`);
  if (!/^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$/.test(env.shop.imageTag) || env.shop.imageTag === "latest") {
    errors.push(
      `${at}: 'shop.imageTag' is "${env.shop.imageTag}" but must be an explicit tag, never "latest"`,
    );
  }
  const replicas = env.monitoring?.prometheusReplicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
    errors.push(
      `${at}: 'monitoring.prometheusReplicas' is ${replicas} but must be a whole number from 1 to 5`,
    );
  for (const [severity, receiver] of Object.entries(env.monitoring?.alertReceivers ?? {})) {
    if (receiver.type === "webhook" && !/^https:\/\/[^/\s]+/.test(receiver.url))
      errors.push(
        `${at}: 'monitoring.alertReceivers.${severity}.url' is "${receiver.url}" but must be an https:// URL; alerts carry service names and errors`,
      );
  }
  if (env.tier !== "production") {
    if (!env.monitoring?.alertReceivers)
      warnings.push(`${at}: no 'monitoring.alertReceivers'; alerts fire but reach nobody`);
    return { errors, warnings };
  }
  if (!env.argocd.sso)
    errors.push(
      `${at}: 'argocd.sso' is not set but production needs sign-in: Argo CD's admin and Dex are off, so without SSO nobody can log in; name an OIDC issuer, client and admin groups`,
    );
  if (!argoCdHighAvailability(env))
    errors.push(
      `${at}: 'argocd.highAvailability' is false but production runs Argo CD highly available; remove the override`,
    );
  if (!env.monitoring?.alertReceivers)
    errors.push(
      `${at}: 'monitoring.alertReceivers' is not set but production alerts must reach someone; name a critical and a warning receiver`,
    );
  if (replicas < 2)
    errors.push(
      `${at}: 'monitoring.prometheusReplicas' is ${replicas} but production needs 2, so a restart or a lost node leaves no gap in alerts or in the optimizer's telemetry`,
    );
  if (gitopsPromotion(env) !== "pull-request") {
    errors.push(
      `${at}: 'gitops.promotion' is "${gitopsPromotion(env)}" but production releases must arrive as a reviewed pull request; set "pull-request"`,
    );
  }
  if (env.shop.dataStores.mode === "in-cluster") {
    warnings.push(`${at}: Redis and PostgreSQL run in the cluster; production usually wants managed stores`);
  }

  if (env.natGateways !== "one-per-az") {
    errors.push(
      `${at}: 'natGateways' is "${env.natGateways}" but production needs "one-per-az" so one AZ failing does not cut the others off`,
    );
  }
  if (env.availabilityZones.length < 3) {
    errors.push(
      `${at}: 'availabilityZones' has ${env.availabilityZones.length} zones but production needs at least 3`,
    );
  }
  if (!env.clusterDeletionProtection) {
    errors.push(
      `${at}: 'clusterDeletionProtection' is false but production clusters must be protected from destroy`,
    );
  }
  if (env.publicAccessCidrs.length > 0) {
    warnings.push(
      `${at}: the API endpoint is public to ${env.publicAccessCidrs.join(", ")}; prefer a VPN into the VPC`,
    );
  }
  if (env.logRetentionDays < 90) {
    warnings.push(
      `${at}: 'logRetentionDays' is ${env.logRetentionDays}; audit logs usually need 90 days or more`,
    );
  }
  for (const group of env.nodeGroups) {
    if ((group.minSize ?? 2) < 2) warnings.push(`${at}: node group '${group.name}' can shrink below 2 nodes`);
    if (group.capacityType === "SPOT")
      warnings.push(`${at}: node group '${group.name}' runs on SPOT capacity only`);
    if (group.metadataHopLimit === 2)
      warnings.push(`${at}: node group '${group.name}' lets pods reach IMDS (hop limit 2)`);
  }
  return { errors, warnings };
}
