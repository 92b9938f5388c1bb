/** The log source by name: Loki in the cluster, in memory for tests and the benchmark. An unknown name throws. */
import { UnknownNameError } from "../unknown-name-error.js";
import { InMemoryLogSource, type LogSource } from "./log-source.js";
import { LokiLogSource, type LokiOptions } from "./loki-logs.js";

export const LOG_SOURCES = ["loki", "in-memory"] as const;

export function createLogSource(
  name: string,
  deps: { readonly loki?: LokiOptions },
  setting = "AIOPS_LOG_SOURCE",
): LogSource {
  switch (name as (typeof LOG_SOURCES)[number]) {
    case "loki":
      if (deps.loki === undefined) throw new Error(`${setting}: 'loki' needs Loki's URL (AIOPS_LOKI_URL)`);
      return new LokiLogSource(deps.loki);
    case "in-memory":
      return new InMemoryLogSource();
    default:
      throw new UnknownNameError(setting, name, LOG_SOURCES);
  }
}
