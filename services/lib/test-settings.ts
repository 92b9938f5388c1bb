import { COMMON_SETTINGS, loadSettings } from "../../common/settings.js";

/** Common settings for tests: quiet logs, no faults unless asked. */
export function testSettings(env: Record<string, string> = {}) {
  return loadSettings(COMMON_SETTINGS, { LOG_LEVEL: "silent", ...env });
}
