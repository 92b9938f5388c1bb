/**
 * The one synth entry: `npm start`, `npx cdktf synth|deploy` and `npx cdk8s synth` all run this.
 *
 * It needs no credentials, network, terraform or cdktf CLI: it only writes files under dist/.
 * Everything is written to a scratch folder beside the output first and swapped in only when the
 * whole synth succeeded, so a failed synth leaves the last good output where it was.
 */
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeEnvironmentTree } from "./charts/gitops-tree.js";
import { handleCliErrors } from "./common/cli.js";
import { buildPlatformApp } from "./stacks/app.js";
import { formatSummary, summarizeGitOps, summarizeTerraform } from "./stacks/summary.js";

handleCliErrors("synth");
const root = process.cwd();
// cdktf-cli tells the app where to write through CDKTF_OUTDIR; alone, we write to dist/.
const terraformOut = resolve(process.env.CDKTF_OUTDIR ?? join(root, "dist", "terraform"));
const gitopsOut = resolve(process.env.CDK8S_OUTDIR ?? join(root, "dist", "gitops"));
const staged = [terraformOut, gitopsOut].map((dir) => ({ dir, tmp: `${dir}.synth-${process.pid}` }));

try {
  for (const { tmp } of staged) {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
  }
  const [terraformTmp, gitopsTmp] = staged.map((s) => s.tmp);
  // The AWS app synthesizes each environment's GitOps tree (its Argo CD projects are sized to it),
  // every object validated against its upstream schema; the same trees are written here.
  const { app, warnings, gitopsTrees } = buildPlatformApp({ outdir: terraformTmp });
  app.synth();
  for (const [name, tree] of gitopsTrees) writeEnvironmentTree(join(gitopsTmp, name), tree);

  // Start clean so a removed stack or environment never lingers in the output.
  for (const { dir, tmp } of staged) {
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  console.log(formatSummary(summarizeTerraform(terraformOut), summarizeGitOps(gitopsOut), warnings, root));
  console.log(
    `\nWritten to ${terraformOut}${summarizeGitOps(gitopsOut).length > 0 ? ` and ${gitopsOut}` : ""}`,
  );
} finally {
  for (const { tmp } of staged) rmSync(tmp, { recursive: true, force: true });
}
