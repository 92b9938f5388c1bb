/**
 * Meshpilot's public API: both halves, plus what joins them (the GitOps bootstrap, which installs
 * Argo CD with the helm and kubernetes providers, and the platform stacks).
 *
 * Import from "meshpilot", or from "meshpilot/aws" or "meshpilot/k8s" to load one half only;
 * deep imports are not part of the API.
 */

export * from "./aws.js";
export * from "./constructs/aws/gitops-bootstrap.js";
export * from "./k8s.js";
export * from "./stacks/app.js";
export * from "./stacks/platform-stack.js";
export * from "./stacks/state-backend-stack.js";
