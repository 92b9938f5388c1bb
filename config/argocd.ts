/** How people reach and sign in to an environment's Argo CD. */

/**
 * Single sign-on through an OIDC provider (Okta, Entra ID, Google, Keycloak, Dex elsewhere...).
 * Argo CD's local admin stays off; people sign in here and get a role from their groups.
 */
export interface ArgoCdSso {
  /** The provider's issuer URL, e.g. `https://example.okta.com`. */
  readonly issuer: string;
  /** The OAuth client id registered for Argo CD. */
  readonly clientId: string;
  /**
   * Where the client secret lives: a key in a Secret in the `argocd` namespace, labelled
   * `app.kubernetes.io/part-of: argocd`, created out of band. Argo CD resolves it at runtime.
   */
  readonly clientSecret: { readonly name: string; readonly key: string };
  /** Groups (from the `groups` claim) whose members get Argo CD's built-in `role:admin`. */
  readonly adminGroups: string[];
  /**
   * Groups whose members get `role:readonly`.
   * @default none
   */
  readonly readonlyGroups?: string[];
}

export interface ArgoCdAccess {
  /** The URL people open Argo CD at; the OIDC provider redirects back to `<url>/auth/callback`. */
  readonly url: string;
  /**
   * Sign-in. Production must have it: with admin and Dex off, nobody could log in.
   * @default none: only `kubectl port-forward` and `argocd --core` reach it
   */
  readonly sso?: ArgoCdSso;
  /**
   * Several replicas of every Argo CD component and Redis HA. Production must have it.
   * @default true in production, false in development
   */
  readonly highAvailability?: boolean;
}
