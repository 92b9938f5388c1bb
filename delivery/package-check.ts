/**
 * Installs the packed package into a fresh consumer project, as a platform team would, and checks
 * what it costs them:
 *
 *   npm run check:package
 *
 * 1. A consumer that already has cdktf, constructs and the AWS provider installs the tarball.
 *    meshpilot may add at most 50 MiB, and there must still be exactly one copy of `constructs`
 *    (a second copy breaks `scope.node` at runtime).
 * 2. The Acme example, imported from "meshpilot/aws", synthesizes there.
 * 3. The consumer adds the Kubernetes half's optional peers and synthesizes a GitOps tree through
 *    "meshpilot/k8s", still with one copy of `constructs`.
 *
 * It needs the npm registry (the consumer's own installs), not the network otherwise.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { transformSync } from "esbuild";
import { handleCliErrors, parseCli } from "../common/cli.js";
import { runCommand } from "./run-command.js";

const BUDGET_MIB = 50;
const MIB = 1024 * 1024;
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const SYNTH_TIMEOUT_MS = 3 * 60_000;

/** What an AWS-only cdktf consumer has before it adds meshpilot. */
const CONSUMER_BASE = ["cdktf", "constructs", "@cdktf/provider-aws"];
/** The optional peers "meshpilot/k8s" needs. */
const KUBERNETES_PEERS = [
  "cdk8s",
  "cdk8s-plus-27",
  "kubernetes-models",
  "@kubernetes-models/argo-cd",
  "@kubernetes-models/istio",
  "@kubernetes-models/karpenter",
  "@kubernetes-models/prometheus-operator",
  "@grafana/grafana-foundation-sdk",
];

const USAGE = `usage: npm run check:package [-- --keep]

Packs meshpilot, installs it into a fresh consumer project beside cdktf, constructs and the AWS
provider, and fails if it adds more than ${BUDGET_MIB} MiB or a second copy of constructs, or if the
Acme example or a GitOps tree does not synthesize there. --keep leaves the consumer project behind.`;

/** Apparent size of every regular file under `dir`; symlinks are not followed. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(path);
    else if (entry.isFile()) total += lstatSync(path).size;
  }
  return total;
}

/** Every installed copy of a package: each `node_modules/<name>` folder under `dir`. */
export function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (modules: string) => {
    let entries: string[];
    try {
      entries = readdirSync(modules);
    } catch {
      return;
    }
    for (const entry of entries) {
      const scoped = entry.startsWith("@")
        ? readdirSync(join(modules, entry)).map((s) => `${entry}/${s}`)
        : [entry];
      for (const pkg of scoped) {
        if (pkg === name) found.push(join(modules, pkg));
        walk(join(modules, pkg, "node_modules"));
      }
    }
  };
  walk(join(dir, "node_modules"));
  return found;
}

function pinned(names: readonly string[]): string[] {
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  return names.map((n) => {
    const version = pkg.devDependencies?.[n] ?? pkg.dependencies?.[n];
    if (!version) throw new Error(`package.json pins no version of ${n}`);
    return `${n}@${version}`;
  });
}

function npmInstall(cwd: string, specs: readonly string[]): void {
  runCommand("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], {
    cwd,
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
}

function oneConstructs(consumer: string, when: string): void {
  const copies = installedCopies(consumer, "constructs");
  if (copies.length !== 1)
    throw new Error(`${when}: ${copies.length} copies of constructs, want 1: ${copies.join(", ")}`);
}

/** The example's sources, type-stripped to JavaScript the consumer runs with plain node. */
function copyExample(consumer: string): void {
  mkdirSync(join(consumer, "examples/acme"), { recursive: true });
  for (const file of ["acme-stack", "main"]) {
    const source = readFileSync(join("examples/acme", `${file}.ts`), "utf8");
    const code = transformSync(source, { loader: "ts", format: "esm" }).code;
    writeFileSync(join(consumer, "examples/acme", `${file}.js`), code);
  }
}

const K8S_SYNTH = `import { ENVIRONMENTS, synthGitOpsTree } from "meshpilot/k8s";
const tree = synthGitOpsTree(ENVIRONMENTS.find((e) => e.name === "dev"));
console.log(Object.values(tree).reduce((n, manifests) => n + manifests.length, 0));
`;

function check(keep: boolean): void {
  const work = mkdtempSync(join(tmpdir(), "meshpilot-consumer-"));
  try {
    const packed = runCommand("npm", ["pack", "--silent", "--pack-destination", work], {
      timeoutMs: SYNTH_TIMEOUT_MS,
    });
    const tarball = resolve(work, packed.trim().split("\n").at(-1) ?? "");
    const tarballKiB = Math.round(lstatSync(tarball).size / 1024);

    const consumer = join(work, "consumer");
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, "package.json"),
      '{ "name": "consumer", "private": true, "type": "module" }\n',
    );
    npmInstall(consumer, pinned(CONSUMER_BASE));
    const before = directoryBytes(join(consumer, "node_modules"));
    npmInstall(consumer, [tarball]);
    const addedMiB = (directoryBytes(join(consumer, "node_modules")) - before) / MIB;
    if (addedMiB > BUDGET_MIB)
      throw new Error(
        `meshpilot adds ${addedMiB.toFixed(1)} MiB to an AWS consumer; the budget is ${BUDGET_MIB} MiB`,
      );
    oneConstructs(consumer, "after installing meshpilot");

    copyExample(consumer);
    runCommand("node", ["examples/acme/main.js"], { cwd: consumer, timeoutMs: SYNTH_TIMEOUT_MS });
    const synthesized = JSON.parse(
      readFileSync(join(consumer, "examples/acme/cdktf.out/stacks/acme-payments/cdk.tf.json"), "utf8"),
    );
    const clusters = Object.keys(synthesized.resource?.aws_eks_cluster ?? {}).length;
    if (clusters !== 1) throw new Error(`the Acme example synthesized ${clusters} EKS clusters, want 1`);

    const beforePeers = directoryBytes(join(consumer, "node_modules"));
    npmInstall(consumer, pinned(KUBERNETES_PEERS));
    const peersMiB = (directoryBytes(join(consumer, "node_modules")) - beforePeers) / MIB;
    oneConstructs(consumer, "after adding the Kubernetes half's peers");
    writeFileSync(join(consumer, "k8s.js"), K8S_SYNTH);
    const manifests = Number(runCommand("node", ["k8s.js"], { cwd: consumer, timeoutMs: SYNTH_TIMEOUT_MS }));
    if (!(manifests > 0)) throw new Error("meshpilot/k8s synthesized no manifests in the consumer");

    console.log(
      [
        `package check: tarball ${tarballKiB} KiB`,
        `meshpilot adds ${addedMiB.toFixed(1)} MiB to an AWS consumer (budget ${BUDGET_MIB} MiB), one copy of constructs`,
        `the Acme example synthesized from "meshpilot/aws"`,
        `the Kubernetes half's peers add ${peersMiB.toFixed(1)} MiB; "meshpilot/k8s" synthesized the dev tree (${manifests} manifests), one copy of constructs`,
      ].join("\n  "),
    );
    if (keep) console.log(`kept ${consumer}`);
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  handleCliErrors("check:package");
  const { values } = parseCli(USAGE, { keep: { type: "boolean" } });
  check(values.keep === true);
}
