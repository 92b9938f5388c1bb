/**
 * Bundles a service into one ES module file, which is all its container image holds: no
 * node_modules, no compiler, nothing else to patch.
 *
 *   npm run bundle -- catalog            # build/services/catalog/service.mjs
 *   npm run bundle -- optimizer          # build/services/optimizer/service.mjs + q-table.json
 *   npm run bundle                       # all seven and the optimizer
 *
 * orders also gets migrate.mjs, the migration Job's entry, in the same image. The optimizer's
 * image carries the Q-table pre-trained in the simulator beside its code.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";
import { PRETRAINED_PATH } from "../api/optimizer.js";
import { OPTIMIZER_IMAGE, SHOP_SERVICES } from "../config/shop.js";

/** Extra entries a service's image carries beside service.mjs. */
const EXTRA_ENTRIES: Readonly<Record<string, Record<string, string>>> = {
  orders: { migrate: "services/orders/migrate.ts" },
};

/**
 * Bundles entry points (name → source) into `<outdir>/<name>.mjs` the way images ship them: one
 * ES module each, Node 24, no node_modules beside it.
 */
export async function bundleEntries(
  entries: Readonly<Record<string, string>>,
  outdir: string,
): Promise<void> {
  await build({
    entryPoints: entries,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: "inline",
    // pg can use libpq bindings when installed; the pure-JavaScript client is what we ship.
    external: ["pg-native"],
    // Bundled CommonJS dependencies call require(); an ES module has to provide one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
}

/** Bundles one service into `<outdir>/<name>/`; returns the paths written. */
export async function bundleService(name: string, outdir = "build/services"): Promise<string[]> {
  const names = [...SHOP_SERVICES.map((s) => s.name), OPTIMIZER_IMAGE];
  if (!names.includes(name)) throw new Error(`unknown service '${name}'; one of ${names.join(", ")}`);
  const main = name === OPTIMIZER_IMAGE ? "controller/main.ts" : `services/${name}/main.ts`;
  const entries = { service: main, ...EXTRA_ENTRIES[name] };
  await bundleEntries(entries, `${outdir}/${name}`);
  const written = Object.keys(entries).map((e) => `${outdir}/${name}/${e}.mjs`);
  if (name === OPTIMIZER_IMAGE) {
    mkdirSync(`${outdir}/${name}`, { recursive: true });
    copyFileSync(PRETRAINED_PATH, `${outdir}/${name}/q-table.json`);
    written.push(`${outdir}/${name}/q-table.json`);
  }
  return written;
}

const requested = process.argv.slice(2);
if (process.argv[1]?.endsWith("bundle.ts")) {
  try {
    for (const name of requested.length > 0
      ? requested
      : [...SHOP_SERVICES.map((s) => s.name), OPTIMIZER_IMAGE])
      console.log(`bundled ${(await bundleService(name)).join(", ")}`);
  } catch (e) {
    console.error(`bundle: ${(e as Error).message}`);
    process.exit(2);
  }
}
