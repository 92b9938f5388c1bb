import { PROJECT } from "../config/environments.js";

/** Tags every AWS resource carries, through the provider's default_tags. */
export function defaultTags(environment: string): Record<string, string> {
  return { "meshpilot.io/project": PROJECT, "meshpilot.io/environment": environment, "managed-by": "cdktf" };
}
