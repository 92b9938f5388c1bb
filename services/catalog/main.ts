import { run } from "../lib/server.js";
import { loadSettings, SettingsError } from "../lib/settings.js";
import { buildCatalog, CATALOG_SETTINGS } from "./app.js";

try {
  const settings = loadSettings(CATALOG_SETTINGS);
  await run(buildCatalog(settings), settings.PORT, settings.HOST);
} catch (e) {
  if (e instanceof SettingsError) {
    console.error(`catalog: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
