/**
 * The sidecar double in front of a service's replicas: turns taken among those serving, each
 * request counted under its replica's pod as Envoy's stats filter labels it, and a replica out of
 * the rotation given nothing. Real HTTP on loopback; upstreams are plain servers that say who they are.
 */

import { createServer, type Server } from "node:http";
import { afterEach, expect, test } from "@jest/globals";
import { freePort } from "../../common/free-port.js";
import { SHOP_SERVICES, type ShopService } from "../../config/shop.js";
import { IstioSidecarDoubles } from "./istio-sidecar-double.js";

const catalog = SHOP_SERVICES.find((s) => s.name === "catalog") as ShopService;
const servers: Server[] = [];
let doubles: IstioSidecarDoubles | undefined;

async function upstream(name: string): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(200).end(name));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

afterEach(async () => {
  await doubles?.stop();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

test("takes turns among the replicas that serve and counts each under its pod", async () => {
  doubles = new IstioSidecarDoubles("shop");
  const port = await freePort();
  await doubles.start(catalog, port, [await upstream("a"), await upstream("b"), await upstream("c")]);
  const ask = async () => (await fetch(`http://127.0.0.1:${port}/`)).text();
  expect([await ask(), await ask(), await ask(), await ask()]).toEqual(["a", "b", "c", "a"]);
  doubles.setServing("catalog", 1, false);
  expect([await ask(), await ask(), await ask()]).toEqual(["c", "a", "c"]);
  const text = await doubles.registry.metrics();
  const count = (pod: string) =>
    Number(
      new RegExp(`istio_requests_total\\{[^}]*response_code="200",pod="${pod}"\\} (\\d+)`).exec(text)?.[1] ??
        new RegExp(`istio_requests_total\\{[^}]*pod="${pod}"[^}]*\\} (\\d+)`).exec(text)?.[1],
    );
  expect([count("catalog-v1-0"), count("catalog-v1-1"), count("catalog-v1-2")]).toEqual([3, 1, 3]);
  expect(doubles.podOf("catalog", 2)).toBe("catalog-v1-2");
  expect(() => doubles?.setServing("catalog", 7, false)).toThrow("no replica 7 of catalog");
});
