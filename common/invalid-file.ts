/**
 * A file a user hands us (a scenario, a workload trace, a CSV) that cannot be used: every problem
 * at once, each with its JSON path or line and the reason, under the file's name.
 */
export class InvalidFileError extends Error {
  constructor(
    readonly kind: string,
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid ${kind}\n  ${problems.join("\n  ")}`);
    this.name = "InvalidFileError";
  }
}

/** The JSON in `text`, or `fail` with why it is not JSON. */
export function parseJsonText(text: string, fail: (problems: string[]) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fail([`$: not JSON (${(e as Error).message})`]);
  }
}

/** An Ajv instance path as a JSON path: `/components/0/kind` → `$.components[0].kind`. */
export function jsonPath(instancePath: string): string {
  return `$${instancePath.replace(/\/(\d+)/g, "[$1]").replaceAll("/", ".")}`;
}

interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/**
 * A schema's complaints as "path: reason" lines a user can act on, each once. `special` words a
 * keyword its own way (return undefined to leave it to the defaults).
 */
export function schemaProblems(
  errors: readonly SchemaError[] | null | undefined,
  special: (e: SchemaError, path: string) => string | undefined = () => undefined,
): string[] {
  const lines = (errors ?? []).map((e) => {
    const path = jsonPath(e.instancePath);
    const own = special(e, path);
    if (own !== undefined) return own;
    if (e.keyword === "additionalProperties")
      return `${path}: '${e.params.additionalProperty}' is not a field here`;
    if (e.keyword === "enum")
      return `${path}: must be one of ${(e.params.allowedValues as unknown[]).join(", ")}`;
    return `${path}: ${e.message}`;
  });
  return [...new Set(lines)];
}
