/**
 * The slice of GitHub's workflow syntax the generators write. The checks read the YAML back as
 * plain data, and @actions/workflow-parser validates the result against GitHub's own schema.
 */
export type Permission = "read" | "write" | "none";
export type Permissions = Readonly<Record<string, Permission>>;

export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly run?: string;
  readonly "working-directory"?: string;
  readonly shell?: string;
}

export interface Concurrency {
  readonly group: string;
  readonly "cancel-in-progress": boolean | string;
}

export interface Job {
  readonly name?: string;
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly "runs-on"?: string;
  readonly environment?: string | { readonly name: string; readonly url?: string };
  readonly permissions: Permissions;
  readonly concurrency?: Concurrency;
  readonly "timeout-minutes"?: number;
  readonly strategy?: {
    readonly "fail-fast"?: boolean;
    readonly "max-parallel"?: number;
    readonly matrix: Readonly<Record<string, unknown>>;
  };
  readonly env?: Readonly<Record<string, string>>;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly steps?: readonly Step[];
  /** A reusable workflow call instead of steps. */
  readonly uses?: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  readonly secrets?: Readonly<Record<string, string>> | "inherit";
}

export interface Workflow {
  readonly name: string;
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions: Permissions;
  readonly concurrency?: Concurrency;
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
}
