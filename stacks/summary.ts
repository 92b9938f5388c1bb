import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface StackSummary {
  readonly name: string;
  readonly resources: number;
  readonly dataSources: number;
  readonly file: string;
}

export interface GitOpsSummary {
  readonly environment: string;
  /** Manifest count per application directory. */
  readonly applications: Record<string, number>;
}

/** Reads what synth wrote and counts it, so the summary reports the files, not our intentions. */
export function summarizeTerraform(outdir: string): StackSummary[] {
  const stacksDir = join(outdir, "stacks");
  if (!existsSync(stacksDir)) return [];
  return readdirSync(stacksDir)
    .sort()
    .map((name) => {
      const file = join(stacksDir, name, "cdk.tf.json");
      const json = JSON.parse(readFileSync(file, "utf8")) as {
        resource?: Record<string, Record<string, unknown>>;
        data?: Record<string, Record<string, unknown>>;
      };
      const count = (block?: Record<string, Record<string, unknown>>) =>
        Object.values(block ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
      return { name, resources: count(json.resource), dataSources: count(json.data), file };
    });
}

/** Counts YAML manifests per application under `<gitopsDir>/<env>/<app>/`. */
export function summarizeGitOps(gitopsDir: string): GitOpsSummary[] {
  if (!existsSync(gitopsDir)) return [];
  return readdirSync(gitopsDir)
    .sort()
    .filter((env) => statSync(join(gitopsDir, env)).isDirectory())
    .map((environment) => {
      const applications: Record<string, number> = {};
      for (const application of readdirSync(join(gitopsDir, environment)).sort()) {
        const dir = join(gitopsDir, environment, application);
        if (statSync(dir).isDirectory()) applications[application] = countYaml(dir);
      }
      return { environment, applications };
    });
}

function countYaml(dir: string): number {
  return readdirSync(dir).reduce((n, entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return n + countYaml(path);
    return n + (/\.ya?ml$/.test(entry) ? 1 : 0);
  }, 0);
}

/** The lines `npm start` prints at the end. */
export function formatSummary(
  terraform: StackSummary[],
  gitops: GitOpsSummary[],
  warnings: string[],
  root: string,
): string {
  const lines = ["", "Meshpilot synth summary", ""];
  lines.push(`Terraform stacks (${terraform.length}):`);
  const width = Math.max(...terraform.map((s) => s.name.length), 5);
  for (const s of terraform) {
    lines.push(
      `  ${s.name.padEnd(width)}  ${String(s.resources).padStart(4)} resources  ${String(s.dataSources).padStart(3)} data sources  ${relative(root, s.file)}`,
    );
  }
  if (gitops.length === 0) {
    lines.push("", "GitOps tree: no charts synthesized yet");
  } else {
    for (const g of gitops) {
      const apps = Object.entries(g.applications);
      const total = apps.reduce((n, [, c]) => n + c, 0);
      lines.push("", `GitOps ${g.environment} (${apps.length} applications, ${total} manifests):`);
      for (const [app, count] of apps)
        lines.push(`  ${app.padEnd(width)}  ${String(count).padStart(4)} manifests`);
    }
  }
  if (warnings.length > 0) {
    lines.push("", `Warnings (${warnings.length}):`, ...warnings.map((w) => `  ! ${w}`));
  }
  return lines.join("\n");
}
