import { createServer, type Server } from "node:net";
import { SHOP_SERVICES } from "../../config/shop.js";
import { runScript } from "../../test/tools.js";
import { freeOffset } from "./processes.js";

const run = (args: string[]) => runScript("services/local/shop-cli.ts", args);

describe("npm run shop", () => {
  let holder: Server | undefined;
  afterAll(async () => {
    await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  });

  it("refuses ports something already holds, naming them, before it starts any store", async () => {
    const offset = await freeOffset(23_000);
    const frontend = SHOP_SERVICES.find((s) => s.name === "frontend")?.port ?? 0;
    holder = createServer();
    await new Promise<void>((resolve) => holder?.listen(frontend + offset, "127.0.0.1", resolve));
    // Stores from the environment would be used as they are: none is started either way.
    const r = run(["--port-offset", String(offset)]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `shop: port ${frontend + offset} (frontend) already in use on 127.0.0.1; stop what holds it, or move the shop with --port-offset N\n`,
    );
    expect(r.out).not.toContain("shop ready");
  });

  it("checks its flags: --help, a bad offset, a bad --set", () => {
    expect(run(["--help"]).out).toContain(
      "usage: npm run shop -- [--set service.NAME=value ...] [--port-offset N]",
    );
    const offset = run(["--port-offset", "1.5"]);
    expect([offset.code, offset.err]).toEqual([
      2,
      "shop: --port-offset must be a whole number from 0 to 50000, got '1.5'\n",
    ]);
    const set = run(["--set", "catalogue.X=1"]);
    expect(set.code).toBe(2);
    expect(set.err).toContain('shop: --set "catalogue.X=1" must look like service.NAME=value');
  });
});
