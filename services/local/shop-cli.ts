/**
 * `npm run shop`: the seven services on loopback with one combined log, until Ctrl-C.
 *
 *   npm run shop                                  # Redis and PostgreSQL started from Debian's packages
 *   REDIS_URL=redis://:pw@127.0.0.1:6379 DATABASE_URL=postgres://orders:pw@127.0.0.1/orders npm run shop
 *   npm run shop -- --set catalog.FAULT_LATENCY_MS=200 --set catalog.FAULT_ERROR_RATE=0.05
 *   npm run shop -- --json                        # raw JSON log lines instead of the readable form
 */
import { parseArgs } from "node:util";
import { SHOP_SERVICES } from "../../config/shop.js";
import { startShop } from "./processes.js";

const { values } = parseArgs({
  options: {
    set: { type: "string", multiple: true, default: [] },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run shop -- [--set service.NAME=value ...] [--json]");
  process.exit(0);
}

const overrides: Record<string, Record<string, string>> = {};
for (const item of values.set) {
  const m = /^([a-z]+)\.([A-Z][A-Z0-9_]*)=(.*)$/.exec(item);
  const known = SHOP_SERVICES.map((s) => s.name);
  if (!m || !known.includes(m[1])) {
    console.error(
      `shop: --set "${item}" must look like service.NAME=value, with service one of ${known.join(", ")}`,
    );
    process.exit(2);
  }
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

const shop = await startShop({
  overrides,
  log: (service, line) =>
    process.stdout.write(`${values.json ? `${service} ${line}` : readable(service, line)}\n`),
}).catch((e: Error) => {
  console.error(`shop: ${e.message}`);
  process.exit(1);
});
console.log(`\nshop ready: ${shop.urls.frontend} (Ctrl-C stops the services and the stores this started)\n`);
const stop = async () => {
  await shop.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
