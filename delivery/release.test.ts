import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { parseAllDocuments } from "yaml";
import { imageNames } from "../config/shop.js";
import { parseImageReference, readPreviousRelease } from "./held-images.js";
import { readDigestDirectory, releaseMessage, writeRelease } from "./release.js";

const work = mkdtempSync(join(tmpdir(), "meshpilot-release-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const COMMIT = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a";
/** A distinct digest per image, so a Deployment pulling its neighbour's would show. */
const DIGESTS = Object.fromEntries(
  imageNames().map((image, i) => [image, `sha256:${(i + 1).toString(16).padStart(2, "0").repeat(32)}`]),
);

type Obj = Record<string, unknown>;
function manifests(dir: string): Obj[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => d.toJSON() as Obj));
}
/** The containers of a Deployment's or a Job's pod template. */
function containers(m: Obj): Obj[] {
  const pod = ((m.spec as Obj).template as Obj).spec as Obj;
  return [...((pod.initContainers as Obj[]) ?? []), ...((pod.containers as Obj[]) ?? [])];
}

describe("npm run release", () => {
  it("renders the environment's tree with every image pulled by the digest CI pushed", () => {
    const out = join(work, "dev");
    const record = writeRelease({ env: "dev", tag: COMMIT, digests: DIGESTS }, out);
    const ours = manifests(out).filter((m) => ["Deployment", "Job"].includes(String(m.kind)));
    const images = ours.flatMap(containers).map((c) => String(c.image));
    const ourImages = images.filter((i) => i.includes("/meshpilot/"));
    expect(ourImages.length).toBeGreaterThanOrEqual(imageNames().length);
    for (const image of ourImages) {
      const name = /\/meshpilot\/([^:]+):/.exec(image)?.[1] as string;
      expect(image).toBe(
        `222222222222.dkr.ecr.eu-west-1.amazonaws.com/meshpilot/${name}:${COMMIT}@${DIGESTS[name]}`,
      );
    }
    expect(new Set(ourImages.map((i) => /\/meshpilot\/([^:]+):/.exec(i)?.[1]))).toEqual(
      new Set(imageNames()),
    );

    expect(JSON.parse(readFileSync(join(out, "release.json"), "utf8"))).toEqual(record);
    expect(Object.keys(record.images).sort()).toEqual([...imageNames()].sort());
    expect(readdirSync(out).sort()).toEqual([
      "addons",
      "apps",
      "mesh",
      "observability",
      "optimizer",
      "release.json",
      "shop",
    ]);
    const message = releaseMessage(record);
    expect(message.split("\n")[0]).toBe(`release dev: ${COMMIT.slice(0, 12)}`);
    expect(message).toContain("git revert");
  });

  it.each([
    [{ env: "qa" }, '--env "qa" is not an environment; the environments are dev, prod'],
    [{ tag: "latest" }, '--tag "latest" is not a commit SHA'],
    [{ digests: { ...DIGESTS, cart: "sha256:abc" } }, "the digest of 'cart' is \"sha256:abc\""],
    [
      { digests: Object.fromEntries(Object.entries(DIGESTS).filter(([k]) => k !== "orders")) },
      "shop.imageDigests has no digest for orders; pin every image or none",
    ],
    [{ digests: { ...DIGESTS, admin: DIGESTS.cart } }, "names 'admin', which no image is"],
  ])("refuses %j and leaves the output as it was", (change, message) => {
    const out = join(work, "kept");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "release.json"), "previous release\n");
    expect(() => writeRelease({ env: "dev", tag: COMMIT, digests: DIGESTS, ...change }, out)).toThrow(
      message,
    );
    expect(readFileSync(join(out, "release.json"), "utf8")).toBe("previous release\n");
  });

  it("keeps a rollout's stable version on the image it ran until the rollout is promoted", () => {
    const NEXT = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d";
    const NEXT_DIGESTS = Object.fromEntries(
      imageNames().map((image) => [image, `sha256:${"cd".repeat(32)}`]),
    );
    const repo = "222222222222.dkr.ecr.eu-west-1.amazonaws.com/meshpilot/recommendation";
    const first = writeRelease({ env: "dev", tag: COMMIT, digests: DIGESTS }, join(work, "r1"));
    const recommendation = (dir: string) =>
      Object.fromEntries(
        manifests(dir)
          .filter(
            (m) => m.kind === "Deployment" && String((m.metadata as Obj).name).startsWith("recommendation-"),
          )
          .map((m) => [String((m.metadata as Obj).name), String(containers(m)[0].image)]),
      );

    // The next release: v2, the canary, runs the new image; v1 stays on what the first release ran.
    const second = writeRelease(
      { env: "dev", tag: NEXT, digests: NEXT_DIGESTS, previous: first },
      join(work, "r2"),
    );
    const was = `${repo}:${COMMIT}@${DIGESTS.recommendation}`;
    const now = `${repo}:${NEXT}@${NEXT_DIGESTS.recommendation}`;
    expect(recommendation(join(work, "r2"))).toEqual({ "recommendation-v1": was, "recommendation-v2": now });
    expect(second.held).toEqual({ recommendation: { v1: was } });
    expect(releaseMessage(second)).toContain(
      `- recommendation v1 stays on ${was} (the stable side of its rollout)`,
    );
    // Services without a rollout take the new image everywhere.
    expect(second.images.catalog).toContain(NEXT);

    // Released again before a verdict (an aborted canary, say): v1 still holds the same image.
    const third = writeRelease(
      { env: "dev", tag: NEXT, digests: NEXT_DIGESTS, previous: second },
      join(work, "r3"),
    );
    expect(third.held).toEqual({ recommendation: { v1: was } });

    // Promoted: v1 takes the new image too, and nothing is held any more.
    const promoted = writeRelease(
      { env: "dev", tag: NEXT, digests: NEXT_DIGESTS, previous: second, promoted: ["recommendation"] },
      join(work, "r4"),
    );
    expect(recommendation(join(work, "r4"))).toEqual({ "recommendation-v1": now, "recommendation-v2": now });
    expect(promoted.held).toBeUndefined();

    expect(() =>
      writeRelease(
        { env: "dev", tag: NEXT, digests: NEXT_DIGESTS, previous: second, promoted: ["cart"] },
        join(work, "r5"),
      ),
    ).toThrow("--promote names 'cart', which has no rollout in env 'dev'; the rollouts are recommendation");
  });

  it("reads the previous release.json, and says what is wrong with one it cannot use", () => {
    const dir = join(work, "previous");
    mkdirSync(dir, { recursive: true });
    expect(readPreviousRelease(join(dir, "missing.json"), "dev")).toBeUndefined();
    writeFileSync(join(dir, "broken.json"), "{");
    expect(() => readPreviousRelease(join(dir, "broken.json"), "dev")).toThrow("is not JSON");
    writeFileSync(join(dir, "prod.json"), JSON.stringify({ environment: "prod", images: {} }));
    expect(() => readPreviousRelease(join(dir, "prod.json"), "dev")).toThrow("is not dev's release.json");
    expect(() => parseImageReference("no-tag")).toThrow('"no-tag" is not an image reference');
    expect(parseImageReference(`host:5000/meshpilot/cart:${COMMIT}@${DIGESTS.cart}`)).toEqual({
      repository: "host:5000/meshpilot/cart",
      imageTag: COMMIT,
      imageDigest: DIGESTS.cart,
    });
  });

  it("reads the per-image digest files the images workflow uploads, and the CLI fails with a reason", () => {
    const dir = join(work, "digests");
    mkdirSync(dir, { recursive: true });
    for (const [image, digest] of Object.entries(DIGESTS)) writeFileSync(join(dir, image), digest);
    expect(readDigestDirectory(dir)).toEqual(DIGESTS);
    expect(() => readDigestDirectory(join(work, "missing"))).toThrow('--digests "');

    const out = join(work, "cli");
    const cli = (tag: string) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "delivery/cli.ts",
          "release",
          "--env",
          "prod",
          "--tag",
          tag,
          "--digests",
          dir,
          "--out",
          out,
        ],
        { encoding: "utf8" },
      );
    const bad = cli("main");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('release: --tag "main" is not a commit SHA');
    expect(existsSync(out)).toBe(false);
    const good = cli(COMMIT);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain(`release prod: ${COMMIT.slice(0, 12)}`);
    expect(JSON.parse(readFileSync(join(out, "release.json"), "utf8")).images.cart).toBe(
      `333333333333.dkr.ecr.eu-west-1.amazonaws.com/meshpilot/cart:${COMMIT}@${DIGESTS.cart}`,
    );
  });
});
