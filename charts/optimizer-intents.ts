/**
 * The TrafficIntents an environment's tree ships: one per shop service from the shop model, with the
 * environment's promotions (modes), rollouts and autoscaling applied, each checked so a wrong name or value fails
 * at synth naming the setting and the fix. The delivery workflow reads the same list to know which
 * rollouts a release starts.
 */
import { defaultIntents } from "../api/intent/defaults.js";
import { MODES, type TrafficIntent, type TrafficIntentSpec } from "../api/intent/schema.js";
import { describeProblems, validateIntent } from "../api/intent/validate.js";
import { type EnvironmentConfig, imageRepository } from "../config/environments.js";
import type { ShopService } from "../config/shop.js";
import { imageReference } from "../constructs/k8s/image.js";
import { versionWorkloadName } from "../constructs/k8s/mesh-service.js";

type Mode = (typeof MODES)[number];

export function environmentIntents(
  env: EnvironmentConfig,
  services: readonly ShopService[],
  namespace: string,
): TrafficIntent[] {
  const modes = intentModes(env, services);
  const rollouts = env.optimizer?.rollouts ?? {};
  const autoscaling = env.optimizer?.autoscaling ?? {};
  checkNames(env, services, "rollouts", Object.keys(rollouts));
  checkNames(env, services, "autoscaling", Object.keys(autoscaling));
  return defaultIntents(services, namespace).map((base) => {
    const name = base.metadata.name;
    const versions = services.find((s) => s.name === name)?.versions.map((v) => v.name) ?? [];
    let spec: TrafficIntentSpec = { ...base.spec, mode: modes[name] ?? base.spec.mode };
    let at = `OptimizerChart: env '${env.name}' optimizer.modes.${name}`;
    const declared = rollouts[name];
    if (declared) {
      at = `OptimizerChart: env '${env.name}' optimizer.rollouts.${name}`;
      if (spec.mode !== "act")
        throw new Error(
          `${at} needs optimizer.modes.${name}: "act"; in "${spec.mode}" the rollout may move no traffic, so it never ends and the pipeline waits for nothing`,
        );
      spec = {
        ...spec,
        rollout: {
          ...declared,
          ...(declared.gates ? { gates: [...declared.gates] } : {}),
          // A new image is a new rollout: the controller starts over when the canary's image changes.
          canaryImage: imageReference(
            at,
            imageRepository(env, name),
            env.shop.imageTag,
            env.shop.imageDigests?.[name],
          ),
        },
      };
    }
    const scaling = autoscaling[name];
    if (scaling) {
      at = `OptimizerChart: env '${env.name}' optimizer.autoscaling.${name}`;
      // Every version's HPA: the forecast is the service's, each version gets its share.
      const hpas = Object.fromEntries(versions.map((v) => [v, versionWorkloadName(name, v)]));
      spec = { ...spec, autoscaling: { ...scaling, horizontalPodAutoscalers: hpas } };
    }
    if (!declared && !scaling) return { ...base, spec };
    const checked = validateIntent(spec, versions);
    if (!checked.valid) throw new Error(`${at}: ${describeProblems(checked.problems)}`);
    return { ...base, spec };
  });
}

/** The HorizontalPodAutoscalers the environment's intents scale, by namespace and name. */
export function autoscaledHpas(intents: readonly TrafficIntent[]): { namespace: string; name: string }[] {
  return intents.flatMap((i) =>
    Object.values(i.spec.autoscaling?.horizontalPodAutoscalers ?? {}).map((name) => ({
      namespace: i.metadata.namespace as string,
      name,
    })),
  );
}

/** The intents of the environment that declare a rollout. */
export function rolloutIntents(
  env: EnvironmentConfig,
  services: readonly ShopService[],
  namespace: string,
): TrafficIntent[] {
  return environmentIntents(env, services, namespace).filter((i) => i.spec.rollout !== undefined);
}

function intentModes(
  env: EnvironmentConfig,
  services: readonly ShopService[],
): Readonly<Record<string, Mode>> {
  const modes = env.optimizer?.modes ?? {};
  checkNames(env, services, "modes", Object.keys(modes));
  for (const [name, mode] of Object.entries(modes))
    if (!(MODES as readonly string[]).includes(mode))
      throw new Error(
        `OptimizerChart: env '${env.name}' optimizer.modes.${name} is '${mode}'; use one of ${MODES.join(", ")}`,
      );
  return modes;
}

function checkNames(
  env: EnvironmentConfig,
  services: readonly ShopService[],
  field: string,
  named: readonly string[],
): void {
  const names = services.map((s) => s.name);
  for (const name of named)
    if (!names.includes(name))
      throw new Error(
        `OptimizerChart: env '${env.name}' optimizer.${field} names '${name}', which is not a shop service; use one of ${names.join(", ")}`,
      );
}
