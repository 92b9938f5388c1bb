import { testCluster } from "../../test/fixtures.js";
import { policyStatements, resources, synthAws } from "../../test/synth.js";
import { LoadBalancerControllerIdentity } from "./load-balancer-controller.js";

describe("LoadBalancerControllerIdentity", () => {
  const { json } = synthAws((scope) => {
    new LoadBalancerControllerIdentity(scope, "Lbc", { cluster: testCluster(scope) });
  });
  const statements = policyStatements(json, resources(json, "aws_iam_role_policy")[0].policy);
  const byId = Object.fromEntries(statements.map((s) => [s.sid, s]));

  it("is bound to the controller's service account in kube-system only", () => {
    expect(resources(json, "aws_eks_pod_identity_association")[0]).toMatchObject({
      namespace: "kube-system",
      service_account: "aws-load-balancer-controller",
    });
  });

  it("creates only what it tags with this cluster, and changes only what carries that tag", () => {
    const owned = (key: string) => ({
      test: "StringEquals",
      variable: `aws:${key}/elbv2.k8s.aws/cluster`,
      values: ["mp-test"],
    });
    expect(byId.CreateTagged.condition).toEqual([owned("RequestTag")]);
    expect(byId.ManageOwnSecurityGroups.condition).toEqual([owned("ResourceTag")]);
    expect(byId.ManageOwnLoadBalancers.condition).toEqual([owned("ResourceTag")]);
  });

  it("leaves out the ALB-only add-ons Meshpilot does not use, and grants no unconditioned write", () => {
    const actions = statements.flatMap((s) => s.actions as string[]);
    expect(actions.filter((a) => /^(wafv2|waf-regional|shield|cognito-idp|acm):/.test(a))).toEqual([]);
    for (const s of statements.filter((x) => (x.resources as string[]).includes("*"))) {
      const writes = (s.actions as string[]).filter((a) => !/:(Describe|Get)/.test(a));
      if (writes.length > 0) expect(s.condition).toBeDefined();
    }
  });
});
