import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { TerraformStack, Testing } from "cdktf";
// Brings the global types of the matchers that test/setup.ts registers.
import type {} from "cdktf/lib/testing/adapters/jest.js";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/environments.js";
import { buildPlatformApp } from "../stacks/app.js";

/** Synthesized Terraform JSON, parsed: `resource.<type>.<name>` and friends. */
export interface TerraformJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown>;
}

/**
 * Synthesizes what `build` creates inside a stack with an AWS provider.
 *
 * Returns the raw string for cdktf's matchers and the parsed JSON for field-by-field asserts.
 */
export function synthAws(build: (scope: Construct) => void): { text: string; json: TerraformJson } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  build(stack);
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) as TerraformJson };
}

/** All resources of one Terraform type, as a list of their bodies. */
export function resources(json: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** The only resource of a type; fails the test if there is not exactly one. */
export function onlyResource(json: TerraformJson, type: string): Record<string, unknown> {
  const all = resources(json, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** The statements of a policy document data source referenced as `${data.aws_iam_policy_document.X.json}`. */
export function policyStatements(json: TerraformJson, reference: unknown): Record<string, unknown>[] {
  const m = /\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}/.exec(String(reference));
  if (!m) throw new Error(`not a policy document reference: ${String(reference)}`);
  const doc = json.data?.aws_iam_policy_document?.[m[1]] as
    | { statement?: Record<string, unknown>[] }
    | undefined;
  if (!doc) throw new Error(`no policy document ${m[1]}`);
  return doc.statement ?? [];
}

/** Synthesizes the whole platform app into a scratch directory; returns every file's text by relative path. */
export function synthPlatformFiles(environments?: readonly EnvironmentConfig[]): Record<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), "meshpilot-app-"));
  try {
    buildPlatformApp({ outdir, environments }).app.synth();
    const files: Record<string, string> = {};
    const walk = (dir: string, prefix: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(join(dir, entry.name), rel);
        else files[rel] = readFileSync(join(dir, entry.name), "utf8");
      }
    };
    walk(outdir, "");
    return files;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
