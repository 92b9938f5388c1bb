/**
 * CI pins every image it pushed by digest. Synthesized with a digest per image, every Deployment
 * of ours must pull exactly its image's digest, and a partial or misspelt map must fail at synth.
 */
import { createHash } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { ENVIRONMENTS, registryHost } from "../config/environments.js";
import { imageNames } from "../config/shop.js";
import { K8S_POLICY_RULES } from "../test/k8s-policy-rules.js";
import { synthGitOpsTree } from "./gitops-tree.js";

const dev = ENVIRONMENTS.find((e) => e.name === "dev") ?? ENVIRONMENTS[0];
/** A distinct, well-formed digest per image, derived from its name. */
const digests = Object.fromEntries(
  imageNames().map((n) => [n, `sha256:${createHash("sha256").update(n).digest("hex")}`]),
);
const pinned = { ...dev, shop: { ...dev.shop, imageDigests: digests } };

interface Container {
  image: string;
}
interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: Container[]; initContainers?: Container[] } } };
}

describe("images pinned by digest", () => {
  test("every Deployment pulls exactly the digest given for its image", () => {
    const tree = synthGitOpsTree(pinned);
    const deployments = Object.values(tree)
      .flat()
      .filter((m) => m.kind === "Deployment") as unknown as Workload[];
    const ours = `${registryHost(dev)}/meshpilot/`;
    const pulled = new Set<string>();
    for (const d of deployments) {
      const { containers, initContainers = [] } = d.spec.template.spec;
      for (const c of [...containers, ...initContainers]) {
        expect(c.image.startsWith(ours)).toBe(true);
        const match = /^.+\/meshpilot\/([a-z0-9-]+):([^@]+)@(sha256:[0-9a-f]{64})$/.exec(c.image);
        expect(match).not.toBeNull();
        const [, name, tag, digest] = match as RegExpExecArray;
        expect(tag).toBe(dev.shop.imageTag);
        expect(digest).toBe(digests[name]);
        pulled.add(name);
      }
    }
    // Each image is pulled by at least one Deployment: none of the map goes unused.
    expect([...pulled].sort()).toEqual(imageNames().sort());
  });

  test("the pinned tree passes the workload policy suite", () => {
    const tree = Object.values(synthGitOpsTree(pinned)).flat();
    for (const [rule, check] of Object.entries(K8S_POLICY_RULES))
      expect([rule, check(tree)]).toEqual([rule, []]);
  });

  test("without digests, the tag is pulled, as before", () => {
    const images = Object.values(synthGitOpsTree(dev))
      .flat()
      .filter((m) => m.kind === "Deployment")
      .flatMap((d) => (d as unknown as Workload).spec.template.spec.containers.map((c) => c.image));
    expect(images.every((i) => i.endsWith(`:${dev.shop.imageTag}`))).toBe(true);
  });

  test("a map missing an image, naming an unknown one, or holding a malformed digest fails at synth", () => {
    const { optimizer: _left, ...partial } = digests;
    expect(() => synthGitOpsTree({ ...dev, shop: { ...dev.shop, imageDigests: partial } })).toThrow(
      "env 'dev' shop.imageDigests has no digest for optimizer; pin every image or none",
    );
    expect(() =>
      synthGitOpsTree({ ...dev, shop: { ...dev.shop, imageDigests: { ...digests, basket: digests.cart } } }),
    ).toThrow("env 'dev' shop.imageDigests names 'basket', which no image is; the images are frontend,");
    expect(() =>
      synthGitOpsTree({ ...dev, shop: { ...dev.shop, imageDigests: { ...digests, cart: "sha256:abc" } } }),
    ).toThrow(`MeshService cart: 'imageDigest' is "sha256:abc"; give "sha256:" and 64 lowercase hex digits`);
  });

  test("a version may keep an earlier image (a rollout's stable side); a wrong service or version fails at synth", () => {
    const earlier = { imageTag: "0.0.9", imageDigest: `sha256:${"12".repeat(32)}` };
    const held = { ...pinned, shop: { ...pinned.shop, versionImages: { recommendation: { v1: earlier } } } };
    const images = Object.fromEntries(
      (Object.values(synthGitOpsTree(held)).flat() as unknown as Workload[])
        .filter((m) => m.kind === "Deployment" && m.metadata.name.startsWith("recommendation-"))
        .map((d) => [d.metadata.name, d.spec.template.spec.containers[0].image]),
    );
    const repository = `${registryHost(dev)}/meshpilot/recommendation`;
    expect(images).toEqual({
      "recommendation-v1": `${repository}:0.0.9@${earlier.imageDigest}`,
      "recommendation-v2": `${repository}:${dev.shop.imageTag}@${digests.recommendation}`,
    });
    const tree = Object.values(synthGitOpsTree(held)).flat();
    for (const [rule, check] of Object.entries(K8S_POLICY_RULES))
      expect([rule, check(tree)]).toEqual([rule, []]);
    expect(() =>
      synthGitOpsTree({ ...dev, shop: { ...dev.shop, versionImages: { recommendation: { v3: earlier } } } }),
    ).toThrow(
      "MeshService recommendation: 'versionImages.v3' names no version of the service; its versions are v1, v2",
    );
    expect(() =>
      synthGitOpsTree({ ...dev, shop: { ...dev.shop, versionImages: { basket: { v1: earlier } } } }),
    ).toThrow("env 'dev' shop.versionImages names 'basket', which is not a shop service");
  });
});
