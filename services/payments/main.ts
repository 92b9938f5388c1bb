import { run } from "../lib/server.js";
import { loadSettings, SettingsError } from "../lib/settings.js";
import { buildPayments, PAYMENTS_SETTINGS } from "./app.js";

try {
  const settings = loadSettings(PAYMENTS_SETTINGS);
  await run(buildPayments(settings), settings.PORT, settings.HOST);
} catch (e) {
  if (e instanceof SettingsError) {
    console.error(`payments: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
