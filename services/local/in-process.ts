/**
 * The shop in one process, for tests: real Redis and PostgreSQL, and every service built from
 * its own settings and listening on an ephemeral loopback port, wired by the shop model's call
 * graph. Per-service environment overrides make one service slow or flaky.
 */
import { SHOP_SERVICES, type ShopService } from "../../config/shop.js";
import type { Service } from "../lib/server.js";
import { SERVICES } from "../registry.js";
import { LOCAL_SESSION_SECRET } from "./dev-secrets.js";
import { type RunningPostgres, type RunningStore, startPostgres, startRedis } from "./stores.js";

export interface InProcessShop {
  readonly urls: Readonly<Record<string, string>>;
  readonly services: Readonly<Record<string, Service>>;
  readonly redis: RunningStore & { password: string };
  readonly postgres: RunningPostgres;
  /**
   * Builds one more instance of a service, with its own overrides, wired to the running shop;
   * resolves once it is ready, unless `ready: false` (a service meant to stay broken).
   */
  extra(
    name: string,
    env?: Record<string, string>,
    options?: { readonly ready?: boolean },
  ): Promise<{ url: string; service: Service }>;
  stop(): Promise<void>;
}

/** Callees before callers, so every caller is built with its callees' real URLs. */
function calleesFirst(services: readonly ShopService[]): ShopService[] {
  const done: ShopService[] = [];
  const visit = (s: ShopService) => {
    if (done.includes(s)) return;
    for (const c of s.calls) visit(services.find((x) => x.name === c) as ShopService);
    done.push(s);
  };
  for (const s of services) visit(s);
  return done;
}

export async function startInProcessShop(
  overrides: Readonly<Record<string, Record<string, string>>> = {},
): Promise<InProcessShop> {
  const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  const urls: Record<string, string> = {};
  const services: Record<string, Service> = {};
  const extras: Service[] = [];

  const build = async (model: ShopService, env: Record<string, string>) => {
    const base: Record<string, string> = {
      LOG_LEVEL: "silent",
      FAULT_SEED: "1",
      COOKIE_SECURE: "false",
      SESSION_SECRET: LOCAL_SESSION_SECRET,
      REDIS_PORT: String(redis.port),
      REDIS_PASSWORD: redis.password,
      DATABASE_PORT: String(postgres.port),
      DATABASE_PASSWORD: postgres.password,
    };
    for (const c of model.calls) base[`${c.toUpperCase()}_URL`] = urls[c];
    const entry = SERVICES[model.name];
    const service = entry.build(entry.load({ ...base, ...env }) as never);
    await service.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = service.app.server.address() as { port: number };
    return { service, url: `http://127.0.0.1:${port}` };
  };

  try {
    for (const model of calleesFirst(SHOP_SERVICES)) {
      const { service, url } = await build(model, overrides[model.name] ?? {});
      services[model.name] = service;
      urls[model.name] = url;
    }
  } catch (e) {
    // A service that cannot be built must not leave the others and the stores running.
    for (const s of Object.values(services)) await s.shutdown().catch(() => {});
    await Promise.all([redis.stop(), postgres.stop()]);
    throw e;
  }
  return {
    urls,
    services,
    redis,
    postgres,
    async extra(name, env = {}, options = {}) {
      const made = await build(SHOP_SERVICES.find((s) => s.name === name) as ShopService, env);
      extras.push(made.service);
      if (options.ready !== false) await untilReady({ [name]: made.url });
      return made;
    },
    async stop() {
      for (const s of [...extras, ...Object.values(services)]) await s.shutdown();
      await Promise.all([redis.stop(), postgres.stop()]);
    },
  };
}

/** Waits until every service answers /readyz (the stores connect in the background). */
export async function untilReady(urls: Readonly<Record<string, string>>): Promise<void> {
  for (const url of Object.values(urls)) {
    for (;;) {
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      if (res?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
