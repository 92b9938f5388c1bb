/** The remediation actions, least disruptive first; the AIOpsPolicy schema enumerates them too. */
export const ACTION_KINDS = [
  "shift-traffic",
  "quarantine-pod",
  "restart-pod",
  "scale-out",
  "propose-revert",
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
