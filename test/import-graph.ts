/**
 * The import graph between the repository's top-level folders, read with TypeScript's own import
 * scanner. Production code (everything but tests and test support) must form no cycle: config at
 * the bottom, then api and common, then constructs, services and controller, then charts and
 * stacks. Tests may reach into any folder, since they sit above everything they check.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const SKIP = new Set(["node_modules", "lib", "dist", "cdktf.out", "coverage"]);

export interface FolderEdge {
  readonly from: string;
  readonly to: string;
  /** One importing file and its specifier, as an example. */
  readonly example: string;
}

function sources(root: string, dir = root, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || (dir === root && SKIP.has(name)) || name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(root, path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

export function isTestCode(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel.endsWith(".test.ts") || rel.startsWith("test/");
}

function folderOf(root: string, file: string): string {
  const rel = relative(root, file);
  return rel.includes("/") ? rel.split("/")[0] : "(root)";
}

/** Edges between top-level folders from the files `include` accepts. */
export function folderEdges(root: string, include: (file: string) => boolean): FolderEdge[] {
  const edges = new Map<string, FolderEdge>();
  for (const file of sources(root).filter(include)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const from = folderOf(root, file);
      const to = folderOf(root, resolve(dirname(file), fileName));
      const key = `${from} -> ${to}`;
      if (from !== to && !edges.has(key))
        edges.set(key, { from, to, example: `${relative(root, file)} imports ${fileName}` });
    }
  }
  return [...edges.values()].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
}

/** The folders a file reaches through its relative imports, however deep. */
export function reachableFolders(root: string, entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [resolve(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName } of importedFiles)
      if (fileName.startsWith(".")) queue.push(resolve(dirname(file), fileName).replace(/\.js$/, ".ts"));
  }
  return new Set([...seen].map((f) => folderOf(root, f)));
}

/** Each cycle once, as the folders along it; empty when the graph is acyclic. */
export function folderCycles(edges: readonly FolderEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const cycles = new Map<string, string[]>();
  const walk = (path: string[]) => {
    for (const to of next.get(path[path.length - 1]) ?? []) {
      const at = path.indexOf(to);
      if (at >= 0) {
        const cycle = path.slice(at);
        const start = cycle.indexOf([...cycle].sort()[0]);
        const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(canonical.join(" -> "), canonical);
      } else walk([...path, to]);
    }
  };
  for (const from of next.keys()) walk([from]);
  return [...cycles.values()];
}
