/**
 * How every shop service checks requests against its JSON Schemas.
 *
 * Bodies are JSON, so their numbers are checked as sent: no string is coerced into a number
 * (Fastify's default turned "1e309" into Infinity, which passed every minimum and maximum and
 * was stored as null). Query strings and path parameters are text by nature, so they are coerced,
 * but only a finite number passes; so are HTML forms' bodies, which say so with formBody(). Unknown
 * fields are refused, not silently stripped.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { default as addFormatsModule } from "ajv-formats";
import type { FastifySchema } from "fastify";

// ajv-formats is CommonJS; under ESM its function sits on `default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

function ajv(coerceTypes: boolean): Ajv {
  const a = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats(a);
  return a;
}

const BODY = ajv(false);
const TEXT = ajv(true);

/** Tags a body schema as an HTML form's: its fields arrive as text, so they are coerced like a query's. */
const FORM = "meshpilot:form-body";
export function formBody<T extends object>(schema: T): T & { readonly $comment: string } {
  return { ...schema, $comment: FORM };
}

/** The path of the first number in `value` that is not finite, or undefined. */
function nonFinite(value: unknown, path = ""): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path || "/";
  if (value === null || typeof value !== "object") return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinite(v, `${path}/${k}`);
    if (found) return found;
  }
  return undefined;
}

type Checked = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** Fastify's validator compiler: the Ajv for the part, and no Infinity or NaN anywhere. */
export function validatorFor({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }): Checked {
  const json = httpPart === "body" && (schema as { $comment?: string }).$comment !== FORM;
  const compiled: ValidateFunction = (json ? BODY : TEXT).compile(schema);
  const check: Checked = (data) => {
    if (!compiled(data)) {
      check.errors = compiled.errors;
      return false;
    }
    const bad = nonFinite(data);
    if (bad) {
      check.errors = [
        {
          instancePath: bad,
          schemaPath: "#",
          keyword: "finite",
          params: {},
          message: "must be a finite number",
        },
      ];
      return false;
    }
    check.errors = null;
    return true;
  };
  return check;
}
