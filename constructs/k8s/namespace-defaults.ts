import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import type { Construct } from "constructs";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { addTyped } from "./typed.js";

export interface NamespaceDefaultsProps {
  readonly namespace: string;
  /**
   * Also deny egress by default, so each workload's own policy must name where it may connect.
   * @default false: ingress only
   */
  readonly denyEgress?: boolean;
}

/** The name of the namespace-wide deny-all NetworkPolicy and AuthorizationPolicy. */
export const DEFAULT_DENY = "default-deny";
export const ALLOW_NOTHING = "allow-nothing";

/**
 * Closes a namespace that runs our workloads: a NetworkPolicy selecting every pod with no rule
 * (L3/L4), and an AuthorizationPolicy with an empty spec (L7, for meshed pods). Each workload's own
 * policies then open exactly its callers; a pod someone adds by hand reaches and serves nothing.
 */
export function namespaceDefaults(scope: Construct, props: NamespaceDefaultsProps): void {
  const { namespace } = props;
  addTyped(
    scope,
    `DefaultDeny-${namespace}`,
    new NetworkPolicy({
      metadata: { name: DEFAULT_DENY, namespace },
      spec: { podSelector: {}, policyTypes: props.denyEgress ? ["Ingress", "Egress"] : ["Ingress"] },
    }),
  );
  allowNothing(scope, namespace);
}

/** An AuthorizationPolicy with an empty spec: it allows nothing, so only explicit ALLOW policies open a workload. */
export function allowNothing(scope: Construct, namespace: string): void {
  addTyped(
    scope,
    `AllowNothing-${namespace}`,
    new AuthorizationPolicy({ metadata: { name: ALLOW_NOTHING, namespace }, spec: {} }),
  );
}
