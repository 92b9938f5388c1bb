/**
 * `npm run shop`: the seven services on loopback with one combined log, until Ctrl-C.
 *
 *   npm run shop                                  # Redis and PostgreSQL started from Debian's packages
 *   REDIS_URL=redis://:pw@127.0.0.1:6379 DATABASE_URL=postgres://orders:pw@127.0.0.1/orders npm run shop
 *   npm run shop -- --set catalog.FAULT_LATENCY_MS=200 --set catalog.FAULT_ERROR_RATE=0.05
 *   npm run shop -- --json                        # raw JSON log lines instead of the readable form
 *   npm run shop -- --port-offset 100             # every port 100 up, beside another shop
 */
import { handleCliErrors, parseCli, UsageError } from "../../common/cli.js";
import { SHOP_SERVICES } from "../../config/shop.js";
import { startShop } from "./processes.js";

handleCliErrors("shop");
const { values } = parseCli(
  `usage: npm run shop -- [--set service.NAME=value ...] [--port-offset N] [--json]

Starts the seven services on 127.0.0.1 (their model ports plus N), with Redis and PostgreSQL from
Debian's packages unless REDIS_URL and DATABASE_URL name running ones, until Ctrl-C.`,
  {
    set: { type: "string", multiple: true, default: [] },
    json: { type: "boolean", default: false },
    "port-offset": { type: "string", default: "0" },
  },
);
const portOffset = Number(values["port-offset"]);
if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 50_000)
  throw new UsageError(
    `--port-offset must be a whole number from 0 to 50000, got '${values["port-offset"]}'`,
  );

const overrides: Record<string, Record<string, string>> = {};
for (const item of values.set) {
  const m = /^([a-z]+)\.([A-Z][A-Z0-9_]*)=(.*)$/.exec(item);
  const known = SHOP_SERVICES.map((s) => s.name);
  if (!m || !known.includes(m[1]))
    throw new UsageError(
      `--set "${item}" must look like service.NAME=value, with service one of ${known.join(", ")}`,
    );
  overrides[m[1]] = { ...overrides[m[1]], [m[2]]: m[3] };
}

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** One readable line per JSON log line: time, service, level, message, and the request when there is one. */
function readable(service: string, line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return `${service.padEnd(14)} | ${line}`;
  }
  const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
  const req = entry.req as { method?: string; url?: string } | undefined;
  const res = entry.res as { statusCode?: number } | undefined;
  const parts = [
    time,
    service.padEnd(14),
    (LEVELS[Number(entry.level)] ?? String(entry.level)).padEnd(5),
    String(entry.msg ?? ""),
    req ? `${req.method} ${req.url}` : "",
    res ? String(res.statusCode) : "",
    typeof entry.responseTime === "number" ? `${entry.responseTime.toFixed(1)}ms` : "",
    entry.reqId ? `id=${entry.reqId}` : "",
  ];
  return parts.filter(Boolean).join(" ");
}

// startShop stops whatever it started before it throws; handleCliErrors prints the one line.
const shop = await startShop({
  overrides,
  portOffset,
  log: (service, line) =>
    process.stdout.write(`${values.json ? `${service} ${line}` : readable(service, line)}\n`),
});
console.log(`\nshop ready: ${shop.urls.frontend} (Ctrl-C stops the services and the stores this started)\n`);
const stop = async () => {
  await shop.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
