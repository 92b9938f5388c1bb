import { readFileSync } from "node:fs";
import { ACTIONS, uses } from "./actions.js";
import type { Step } from "./workflow-model.js";

/** Node's major version, from package.json's `engines.node`, so CI runs what the package declares. */
export const NODE_MAJOR = nodeMajor();

function nodeMajor(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    engines?: { node?: string };
  };
  const major = /^>=\s*(\d+)/.exec(pkg.engines?.node ?? "")?.[1];
  if (!major) throw new Error(`package.json engines.node is "${pkg.engines?.node}"; give ">=<major>"`);
  return major;
}

/** Checks out the commit under test. The token is not left in .git/config for later steps to find. */
export function checkout(extra: Record<string, string | boolean> = {}): Step {
  return {
    name: "Check out",
    uses: uses(ACTIONS.checkout),
    with: { "persist-credentials": false, ...extra },
  };
}

/** Node with npm's cache keyed on package-lock.json, then a clean install. */
export function nodeAndDependencies(): Step[] {
  return [
    {
      name: `Node ${NODE_MAJOR}`,
      uses: uses(ACTIONS.setupNode),
      with: { "node-version": NODE_MAJOR, cache: "npm" },
    },
    { name: "Install dependencies", run: "npm ci --no-audit --no-fund" },
  ];
}

/** Short-lived AWS credentials from GitHub's OIDC token: no stored keys anywhere. */
export function assumeRole(
  roleArn: string,
  region: string,
  sessionName: string,
  name = `Assume ${roleArn.split("/").pop()}`,
): Step {
  return {
    name,
    uses: uses(ACTIONS.awsCredentials),
    with: {
      "role-to-assume": roleArn,
      "aws-region": region,
      "role-session-name": sessionName,
      "role-duration-seconds": 3600,
    },
  };
}

/** `npm start`: the Terraform stacks and the GitOps trees under dist/, offline and deterministic. */
export const SYNTH: Step = { name: "Synthesize (npm start)", run: "npm start" };
