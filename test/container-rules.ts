/**
 * Static checks for the shop's Dockerfile and docker-compose.yml, which cannot be run here (no
 * Docker engine). Each returns the problems it found, so a test can also prove a rule fires.
 */
import { DockerfileParser } from "dockerfile-ast";
import type { ShopService } from "../config/shop.js";

/** An image reference is pinned by digest or by a full release version tag. */
export function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = image.includes(":") ? image.slice(image.lastIndexOf(":") + 1) : "";
  // A release, not a moving major: 24.21.0, 17.2 (PostgreSQL's releases have two parts), 7.4.2.
  return /^v?\d+\.\d+(\.\d+)?([-.][A-Za-z0-9.-]+)?$/.test(tag);
}

/** A user spec (uid or uid:gid) that is numeric and not root. */
export function nonRootNumeric(user: string | undefined): boolean {
  const m = /^(\d+)(?::(\d+))?$/.exec(user ?? "");
  return m !== null && Number(m[1]) !== 0 && (m[2] === undefined || Number(m[2]) !== 0);
}

export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const file = DockerfileParser.parse(text);
  const globals = new Map(
    file.getInitialARGs().flatMap((a) => {
      const p = a.getProperty();
      return p ? [[p.getName(), p.getValue() ?? ""]] : [];
    }),
  );
  const resolve = (s: string) =>
    s.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => globals.get(name) ?? `$${name}`);
  const froms = file.getFROMs();
  if (froms.length < 2)
    problems.push("the Dockerfile must be multi-stage (a build stage and a runtime stage)");
  for (const from of froms) {
    const image = resolve(from.getImage() ?? "");
    if (!pinned(image)) problems.push(`FROM ${image} is not pinned to a version or digest`);
    if (!/node:24\./.test(image)) problems.push(`FROM ${image} is not a Node 24 image`);
  }
  const stages = froms.flatMap((f) => {
    const image = file.getContainingImage(f.getRange().start);
    return image ? [{ name: f.getBuildStage() ?? "unnamed", image }] : [];
  });
  const last = stages[stages.length - 1]?.image;
  if (!last) return [...problems, "the Dockerfile has no stages"];
  const users = last.getInstructions().filter((i) => i.getKeyword() === "USER");
  const user = users[users.length - 1]?.getArgumentsContent() ?? undefined;
  if (!nonRootNumeric(user))
    problems.push(`the runtime stage runs as "${user ?? "root"}"; use a numeric non-root USER`);
  const args = last.getARGs().map((a) => a.getProperty()?.getName());
  if (!args.includes("SERVICE")) problems.push("the runtime stage does not take the SERVICE build argument");
  for (const stage of stages) {
    if (!stage.image.getARGs().some((a) => a.getProperty()?.getName() === "SERVICE"))
      problems.push(`stage ${stage.name} does not declare ARG SERVICE`);
  }
  const entry = last.getENTRYPOINTs()[0]?.getRawArgumentsContent() ?? "";
  if (!entry.trim().startsWith("["))
    problems.push("the ENTRYPOINT must use the exec form, so SIGTERM reaches Node");
  for (const env of last.getENVs())
    for (const p of env.getProperties())
      if (/PASSWORD|SECRET|TOKEN|KEY/i.test(p.getName()))
        problems.push(`ENV ${p.getName()} bakes a secret into the image`);
  for (const copy of last.getCOPYs()) {
    // getFromFlag() misses --from when other flags follow it (dockerfile-ast 0.7.1); read the flags.
    const from = copy
      .getFlags()
      .find((f) => f.getName() === "from")
      ?.getValue();
    if (from === undefined || from === null)
      problems.push(`runtime COPY ${copy.getArgumentsContent()} copies from the build context`);
  }
  return problems;
}

interface ComposeService {
  image?: string;
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  build?: { args?: Record<string, string> };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

export function composeProblems(
  doc: { services?: Record<string, ComposeService> },
  model: readonly ShopService[],
) {
  const problems: string[] = [];
  const services = doc.services ?? {};
  for (const s of model) {
    const c = services[s.name];
    if (!c) {
      problems.push(`service ${s.name} is missing`);
      continue;
    }
    if (c.build?.args?.SERVICE !== s.name) problems.push(`${s.name} does not build with SERVICE=${s.name}`);
    if (c.environment?.PORT !== String(s.port))
      problems.push(`${s.name} listens on ${c.environment?.PORT}, the model says ${s.port}`);
    const published = c.ports ?? [];
    if (published.length !== 1 || published[0] !== `127.0.0.1:${s.port}:${s.port}`)
      problems.push(
        `${s.name} publishes ${JSON.stringify(published)}; expected 127.0.0.1:${s.port}:${s.port}`,
      );
    for (const callee of s.calls) {
      const url = c.environment?.[`${callee.toUpperCase()}_URL`];
      const target = model.find((m) => m.name === callee);
      if (url !== `http://${callee}:${target?.port}`) problems.push(`${s.name} reaches ${callee} at ${url}`);
      if (c.depends_on?.[callee]?.condition !== "service_healthy")
        problems.push(`${s.name} does not wait for ${callee}`);
    }
    if (!c.healthcheck) problems.push(`${s.name} has no healthcheck`);
  }
  for (const [name, c] of Object.entries(services)) {
    if (!nonRootNumeric(c.user))
      problems.push(`${name} runs as "${c.user ?? "the image's user"}"; set a numeric non-root user`);
    if (c.read_only !== true) problems.push(`${name} has a writable root filesystem`);
    if (!c.cap_drop?.includes("ALL")) problems.push(`${name} keeps Linux capabilities`);
    if (!c.security_opt?.includes("no-new-privileges:true"))
      problems.push(`${name} allows privilege escalation`);
    const pulled = c.build === undefined;
    if (pulled && !pinned(c.image ?? "")) problems.push(`${name} pulls ${c.image}, which is not pinned`);
    for (const [k, v] of Object.entries(c.environment ?? {}))
      for (const m of v.matchAll(/\$\{([A-Z_]+)([^}]*)\}/g))
        if (!m[2].startsWith(":-")) problems.push(`${name}.${k} uses \${${m[1]}} without a default`);
  }
  return problems;
}
