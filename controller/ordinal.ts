/**
 * Orders strings by UTF-16 code unit, the same on every machine and locale. The controller sorts
 * names and keys only to be deterministic; `localeCompare` would load ICU's collation data into the
 * process (megabytes of resident set) for an order nobody reads.
 */
export function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
