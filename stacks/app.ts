import { App } from "cdktf";
import { synthArgoProjects, synthGitOpsTree } from "../charts/gitops-tree.js";
import {
  checkPosture,
  ENVIRONMENTS,
  type EnvironmentConfig,
  STATE_BACKEND,
  type StateBackendConfig,
} from "../config/environments.js";
import { InvalidPropError } from "../constructs/aws/errors.js";
import type { Manifest } from "../constructs/k8s/schemas.js";
import { EnvironmentError, environmentKey } from "./environment-errors.js";
import { PlatformStack } from "./platform-stack.js";
import { StateBackendStack } from "./state-backend-stack.js";

export interface PlatformAppOptions {
  /** Where cdktf writes `stacks/<name>/cdk.tf.json`. */
  readonly outdir: string;
  readonly environments?: readonly EnvironmentConfig[];
  readonly state?: StateBackendConfig;
}

/** The stack name of an environment's platform. */
export function platformStackName(env: EnvironmentConfig): string {
  return `platform-${env.name}`;
}

export const STATE_BACKEND_STACK = "state-backend";

/**
 * The state backend's own state file: the repository root, seen from `dist/terraform/stacks/state-backend`.
 * cdktf.json sets cdktf-cli's output to dist/terraform too, so the path holds for `cdktf deploy` as well.
 */
export const STATE_BACKEND_LOCAL_STATE = "../../../../terraform.state-backend.tfstate";

/**
 * Builds the cdktf app: the state backend stack plus one platform stack per environment.
 *
 * Throws before building anything if an environment fails its posture check; returns the warnings.
 */
export function buildPlatformApp(options: PlatformAppOptions): {
  app: App;
  warnings: string[];
  /** Each environment's GitOps tree by name, synthesized for its Argo CD projects: write these, do not synthesize again. */
  gitopsTrees: ReadonlyMap<string, Record<string, Manifest[]>>;
} {
  const environments = options.environments ?? ENVIRONMENTS;
  const state = options.state ?? STATE_BACKEND;
  const reports = environments.map(checkPosture);
  const errors = reports.flatMap((r) => r.errors);
  if (errors.length > 0) throw new Error(`configuration rejected:\n  ${errors.join("\n  ")}`);

  // Stack traces in the manifest would differ per machine; keep synth byte-for-byte reproducible.
  const app = new App({ outdir: options.outdir, stackTraces: false, skipValidation: false });
  new StateBackendStack(app, STATE_BACKEND_STACK, {
    config: state,
    environments,
    localStatePath: STATE_BACKEND_LOCAL_STATE,
  });
  const gitopsTrees = new Map<string, Record<string, Manifest[]>>();
  for (const env of environments) {
    try {
      const tree = synthGitOpsTree(env);
      gitopsTrees.set(env.name, tree);
      new PlatformStack(app, platformStackName(env), {
        env,
        state,
        argoProjects: synthArgoProjects(env, tree),
      });
    } catch (e) {
      if (e instanceof InvalidPropError) throw new EnvironmentError(env.name, environmentKey(e), e);
      throw e;
    }
  }
  return { app, warnings: reports.flatMap((r) => r.warnings), gitopsTrees };
}
