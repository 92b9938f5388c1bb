import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { SHOP_SERVICES, STORE_IMAGES } from "../config/shop.js";
import { composeProblems, dockerfileProblems, nonRootNumeric, pinned } from "../test/container-rules.js";
import { COMPOSE_FILE, renderCompose } from "./compose.js";

const dockerfile = readFileSync("services/Dockerfile", "utf8");
const compose = readFileSync(COMPOSE_FILE, "utf8");

describe("the Dockerfile (checked statically: no Docker engine here)", () => {
  it("is multi-stage, pinned to Node 24, selects the service by build argument and runs as a numeric non-root user", () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
  });

  it("the checks fire on a Dockerfile that breaks them", () => {
    const bad = [
      "FROM node:latest",
      "ENV DATABASE_PASSWORD=hunter2",
      "COPY . /app",
      "USER root",
      "ENTRYPOINT node /app/service.mjs",
    ].join("\n");
    expect(dockerfileProblems(bad)).toEqual([
      "the Dockerfile must be multi-stage (a build stage and a runtime stage)",
      "FROM node:latest is not pinned to a version or digest",
      "FROM node:latest is not a Node 24 image",
      'the runtime stage runs as "root"; use a numeric non-root USER',
      "the runtime stage does not take the SERVICE build argument",
      "stage unnamed does not declare ARG SERVICE",
      "the ENTRYPOINT must use the exec form, so SIGTERM reaches Node",
      "ENV DATABASE_PASSWORD bakes a secret into the image",
      "runtime COPY . /app copies from the build context",
    ]);
  });

  it("judges pins and users strictly", () => {
    expect(pinned("docker.io/library/node:24.21.0-bookworm-slim")).toBe(true);
    expect(pinned("node:24-slim")).toBe(false);
    expect(pinned("postgres:17.2-alpine")).toBe(true);
    expect(pinned("redis")).toBe(false);
    expect(pinned(`node@sha256:${"a".repeat(64)}`)).toBe(true);
    expect(nonRootNumeric("10001:10001")).toBe(true);
    expect(nonRootNumeric("0:10001")).toBe(false);
    expect(nonRootNumeric("node")).toBe(false);
  });
});

describe("docker-compose.yml (checked statically)", () => {
  it("is what `npm run compose` renders from the shop model", () => {
    expect(compose).toBe(renderCompose());
  });

  it("runs every service at its model port, non-root and read-only, beside pinned Redis and PostgreSQL", () => {
    const doc = parse(compose);
    expect(composeProblems(doc, SHOP_SERVICES)).toEqual([]);
    expect(Object.keys(doc.services).sort()).toEqual(
      [...SHOP_SERVICES.map((s) => s.name), "postgres", "redis"].sort(),
    );
    expect(doc.services.redis.image).toBe(STORE_IMAGES.redis);
    expect(doc.services.postgres.image).toBe(STORE_IMAGES.postgresql);
    expect(doc.services.cart.depends_on.redis.condition).toBe("service_healthy");
    expect(doc.services.orders.depends_on.postgres.condition).toBe("service_healthy");
  });

  it("the checks fire on a compose file that breaks them", () => {
    const doc = parse(compose);
    doc.services.catalog.user = "root";
    doc.services.catalog.ports = ["8081:9999"];
    doc.services.redis.image = "redis:latest";
    delete doc.services.cart.read_only;
    delete doc.services.payments;
    doc.services.orders.environment.DATABASE_PASSWORD = `$${"{"}DATABASE_PASSWORD}`;
    expect(composeProblems(doc, SHOP_SERVICES)).toEqual([
      'catalog publishes ["8081:9999"]; expected 127.0.0.1:8081:8081',
      "service payments is missing",
      'catalog runs as "root"; set a numeric non-root user',
      "cart has a writable root filesystem",
      `orders.DATABASE_PASSWORD uses $${"{"}DATABASE_PASSWORD} without a default`,
      "redis pulls redis:latest, which is not pinned",
    ]);
  });
});
