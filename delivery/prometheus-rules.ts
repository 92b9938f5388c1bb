import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";

/**
 * The rule files inside the synthesized PrometheusRule objects, one file per object, for
 * `promtool check rules`: promtool reads Prometheus rule files, not Kubernetes manifests.
 */
export function exportPrometheusRules(gitopsDir: string, outDir: string): string[] {
  if (!existsSync(gitopsDir)) throw new Error(`${gitopsDir} does not exist; run npm start first`);
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const env of readdirSync(gitopsDir).sort()) {
    const dir = join(gitopsDir, env, "observability");
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      const manifest = parse(readFileSync(join(dir, file), "utf8")) as {
        kind?: string;
        metadata?: { name?: string };
        spec?: { groups?: unknown[] };
      };
      if (manifest?.kind !== "PrometheusRule") continue;
      const out = join(outDir, `${env}.${manifest.metadata?.name ?? file}.yaml`);
      writeFileSync(out, stringify({ groups: manifest.spec?.groups ?? [] }, { lineWidth: 0 }));
      written.push(out);
    }
  }
  if (written.length === 0)
    throw new Error(`no PrometheusRule under ${gitopsDir}/*/observability; nothing to check`);
  return written;
}
