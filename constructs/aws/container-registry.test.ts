import { resources, synthAws } from "../../test/synth.js";
import { ContainerRegistry, type ContainerRegistryProps } from "./container-registry.js";

function registry(props: Partial<ContainerRegistryProps> = {}) {
  return synthAws(
    (scope) => new ContainerRegistry(scope, "r", { repositories: ["cart", "optimizer"], ...props }),
  );
}

describe("ContainerRegistry", () => {
  it("creates one immutable, scanned, KMS-encrypted repository per name", () => {
    const repos = resources(registry().json, "aws_ecr_repository");
    expect(repos.map((r) => r.name)).toEqual(["meshpilot/cart", "meshpilot/optimizer"]);
    for (const repo of repos) {
      expect(repo.image_tag_mutability).toBe("IMMUTABLE");
      expect(repo.image_scanning_configuration).toEqual({ scan_on_push: true });
      expect(repo.encryption_configuration).toEqual([
        { encryption_type: "KMS", kms_key: expect.stringMatching(/aws_kms_key\..+\.arn/) },
      ]);
      expect(repo.force_delete).toBe(false);
    }
  });

  it("expires untagged images after days and keeps the last N tagged", () => {
    const policies = resources(
      registry({ keepTaggedImages: 10, untaggedExpiryDays: 3 }).json,
      "aws_ecr_lifecycle_policy",
    );
    expect(policies).toHaveLength(2);
    const { rules } = JSON.parse(String(policies[0].policy));
    expect(rules).toEqual([
      expect.objectContaining({
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: 3,
        },
      }),
      expect.objectContaining({
        selection: {
          tagStatus: "tagged",
          tagPatternList: ["*"],
          countType: "imageCountMoreThan",
          countNumber: 10,
        },
      }),
    ]);
  });

  it.each([
    [{ repositories: [] }, "'repositories' is [] but must name at least one repository"],
    [{ repositories: ["Cart"] }, "'repositories[0]' is \"Cart\""],
    [{ repositories: ["cart", "cart"] }, 'names "cart" twice'],
    [{ keepTaggedImages: 0 }, "'keepTaggedImages' is 0"],
    [{ untaggedExpiryDays: 0 }, "'untaggedExpiryDays' is 0"],
  ])("rejects %j", (props, message) => {
    expect(() => registry(props)).toThrow(message);
  });
});
