import { aiopsPolicyCrd } from "./crd.js";
import { AIOpsPolicyModel } from "./model.js";
import { validateAIOpsPolicy } from "./validate.js";

const SERVICES = { checkout: { calls: ["payments"] }, payments: {} };

describe("AIOpsPolicy", () => {
  it("fills in the defaults the CRD declares: observe, not paused, the detection and guardrail defaults", () => {
    const v = validateAIOpsPolicy({ services: SERVICES });
    expect(v.valid && v.spec).toEqual({
      mode: "observe",
      paused: false,
      services: { checkout: { calls: ["payments"] }, payments: { calls: [] } },
      detection: {
        intervalSeconds: 15,
        windowSeconds: 60,
        zThreshold: 6,
        consecutive: 2,
        warmupReadings: 60,
        retrainEveryReadings: 720,
        quietSeconds: 60,
      },
      remediation: {
        allowed: ["shift-traffic", "quarantine-pod", "restart-pod", "scale-out", "propose-revert"],
        maxActionsPerHour: 4,
        cooldownSeconds: 600,
        maxPodShare: 0.25,
        maxScaleStep: 2,
        maxScaleFactor: 2,
        maxShiftPercent: 50,
        verifySeconds: 180,
      },
    });
  });

  it.each([
    [{ services: {} }, "spec.services: must NOT have fewer than 1 properties"],
    [{ services: SERVICES, mode: "shadow" }, "spec.mode: must be equal to one of the allowed values"],
    [
      { services: { payments: { horizontalPodAutoscaler: "Payments_v1" } } },
      'spec.services.payments.horizontalPodAutoscaler: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"',
    ],
    [{ services: SERVICES, detection: { zThreshold: 1 } }, "spec.detection.zThreshold: must be >= 2"],
    [{ services: SERVICES, wat: 1 }, "spec.wat: is not a field of AIOpsPolicy"],
    [{}, "spec.services: is required"],
    [{ services: { "Not-A-Name": {} } }, "spec.services.Not-A-Name: is not a valid service name (DNS label)"],
    [
      { services: { checkout: { calls: ["payments"] } } },
      "spec.services.checkout.calls: names payments, which is not watched; add it to spec.services",
    ],
    [
      { services: SERVICES, detection: { intervalSeconds: 60, windowSeconds: 90 } },
      "spec.detection.windowSeconds: is 90 but must be at least twice intervalSeconds (60), or a rate has one scrape",
    ],
  ])("refuses %j: %s", (spec, message) => {
    const v = validateAIOpsPolicy(spec);
    expect(v.valid).toBe(false);
    if (!v.valid) expect(v.problems.map((p) => `${p.path}: ${p.reason}`)).toContain(message);
    expect(() =>
      new AIOpsPolicyModel({ metadata: { name: "x", namespace: "shop" }, spec } as never).validate(),
    ).toThrow(message.split(": ")[0]);
  });

  it("takes act mode and the HPA a scale-out may raise", () => {
    const v = validateAIOpsPolicy({
      mode: "act",
      services: { ...SERVICES, payments: { horizontalPodAutoscaler: "payments-v1" } },
    });
    expect(v.valid && v.spec.mode).toBe("act");
    expect(v.valid && v.spec.services.payments).toEqual({
      calls: [],
      horizontalPodAutoscaler: "payments-v1",
    });
  });

  it("ships a structural CRD with a status subresource, observe by default and act on request", () => {
    const crd = aiopsPolicyCrd();
    const version = crd.spec.versions[0];
    expect(crd.metadata.name).toBe("aiopspolicies.optimizer.meshpilot.io");
    expect(version.subresources).toEqual({ status: {} });
    const spec = version.schema.openAPIV3Schema.properties.spec as {
      properties: { mode: { enum: string[]; default: string } };
    };
    expect(spec.properties.mode.enum).toEqual(["observe", "act"]);
    expect(spec.properties.mode.default).toBe("observe");
    expect(JSON.stringify(version.schema)).not.toContain('"additionalProperties":false');
  });
});
