import type { InvalidPropError } from "../constructs/aws/errors.js";

/**
 * The environment key each construct prop is read from in a platform stack, so an error names what
 * the user edited in config/environments.ts rather than the construct's own prop.
 */
const ENVIRONMENT_KEYS: Readonly<Record<string, string>> = {
  "Network.cidr": "vpcCidr",
  "Network.availabilityZones": "availabilityZones",
  "Network.natGateways": "natGateways",
  "Network.flowLogRetentionDays": "logRetentionDays",
  "EksCluster.kubernetesVersion": "kubernetesVersion",
  "EksCluster.publicAccessCidrs": "publicAccessCidrs",
  "EksCluster.logRetentionDays": "logRetentionDays",
  "CiIdentity.repository": "github.repository",
  "GitOpsBootstrap.source.repoUrl": "gitops.repoUrl",
  "GitOpsBootstrap.source.path": "gitops.path",
  "GitOpsBootstrap.source.revision": "gitops.revision",
  "GitOpsBootstrap.access.url": "argocd.url",
  "GitOpsBootstrap.access.sso.issuer": "argocd.sso.issuer",
  "GitOpsBootstrap.access.sso.clientId": "argocd.sso.clientId",
  "GitOpsBootstrap.access.sso.adminGroups": "argocd.sso.adminGroups",
  "GitOpsBootstrap.access.sso groups": "argocd.sso groups",
};

/** A construct refused a value that came from an environment's config: names the environment and key. */
export class EnvironmentError extends Error {
  constructor(
    readonly environment: string,
    readonly key: string | undefined,
    cause: InvalidPropError,
  ) {
    const where = key ? `environment '${environment}', key '${key}'` : `environment '${environment}'`;
    super(`${where}: ${cause.message}`, { cause });
    this.name = "EnvironmentError";
  }
}

/** The environment key behind a construct prop, if the platform stack reads it from one. */
export function environmentKey(error: InvalidPropError): string | undefined {
  const group = /^NodeGroup\((.+)\)$/.exec(error.construct);
  if (group) return `nodeGroups[name=${group[1]}].${error.prop}`;
  return (
    ENVIRONMENT_KEYS[`${error.construct}.${error.prop}`] ??
    (/^(admin|viewer)PrincipalArns\[\d+\]$/.test(error.prop) && error.construct === "EksCluster"
      ? "adminPrincipalArns"
      : undefined)
  );
}
