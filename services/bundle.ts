/**
 * Bundles a service into one ES module file, which is all its container image holds: no
 * node_modules, no compiler, nothing else to patch.
 *
 *   npm run bundle -- catalog            # build/services/catalog/service.mjs
 *   npm run bundle                       # all seven
 *
 * orders also gets migrate.mjs, the migration Job's entry, in the same image.
 */
import { build } from "esbuild";
import { SHOP_SERVICES } from "../config/shop.js";

/** Extra entries a service's image carries beside service.mjs. */
const EXTRA_ENTRIES: Readonly<Record<string, Record<string, string>>> = {
  orders: { migrate: "services/orders/migrate.ts" },
};

/** Bundles one service into `<outdir>/<name>/`; returns the paths written. */
export async function bundleService(name: string, outdir = "build/services"): Promise<string[]> {
  if (!SHOP_SERVICES.some((s) => s.name === name))
    throw new Error(`unknown service '${name}'; one of ${SHOP_SERVICES.map((s) => s.name).join(", ")}`);
  const entries = { service: `services/${name}/main.ts`, ...EXTRA_ENTRIES[name] };
  await build({
    entryPoints: entries,
    outdir: `${outdir}/${name}`,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    minify: false,
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
  return Object.keys(entries).map((e) => `${outdir}/${name}/${e}.mjs`);
}

const requested = process.argv.slice(2);
if (process.argv[1]?.endsWith("bundle.ts")) {
  try {
    for (const name of requested.length > 0 ? requested : SHOP_SERVICES.map((s) => s.name))
      console.log(`bundled ${(await bundleService(name)).join(", ")}`);
  } catch (e) {
    console.error(`bundle: ${(e as Error).message}`);
    process.exit(2);
  }
}
