/**
 * A pull request comment from `terraform show -json <plan>`: the counts a reviewer looks for first,
 * then every resource that changes, destructive ones first. Values are left out on purpose: the
 * comment is public to everyone who can read the pull request.
 */

type Action = "no-op" | "create" | "read" | "update" | "delete";
interface ResourceChange {
  readonly address: string;
  readonly change: { readonly actions: readonly Action[] };
}
interface PlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
}

export type ChangeKind = "create" | "update" | "replace" | "delete";
const ORDER: readonly ChangeKind[] = ["delete", "replace", "update", "create"];
const LABEL: Record<ChangeKind, string> = {
  create: "create",
  update: "update in place",
  replace: "replace (destroy and create)",
  delete: "destroy",
};
/** GitHub refuses comments over 65,536 characters. */
const MAX_COMMENT = 60_000;

function kindOf(actions: readonly Action[]): ChangeKind | undefined {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  if (actions.includes("delete")) return "delete";
  if (actions.includes("create")) return "create";
  if (actions.includes("update")) return "update";
  return undefined;
}

/** Parses plan JSON, failing with what was wrong rather than a summary of nothing. */
export function parsePlan(text: string): PlanJson {
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `the plan is not JSON (${(e as Error).message}); give the output of terraform show -json <plan>`,
    );
  }
  if (typeof plan !== "object" || plan === null || !("format_version" in plan))
    throw new Error("the plan has no format_version; give the output of terraform show -json <plan>");
  return plan as PlanJson;
}

export function summarizePlan(environment: string, plan: PlanJson): string {
  const changes = (plan.resource_changes ?? [])
    .map((rc) => ({ address: rc.address, kind: kindOf(rc.change.actions) }))
    .filter((c): c is { address: string; kind: ChangeKind } => c.kind !== undefined)
    .sort(
      (a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.address.localeCompare(b.address, "en"),
    );
  const count = (k: ChangeKind) => changes.filter((c) => c.kind === k).length;
  const head = [
    `<!-- meshpilot-plan:${environment} -->`,
    `### terraform plan: ${environment}`,
    "",
    changes.length === 0
      ? "No changes. The infrastructure matches the configuration."
      : `**${count("create")} to create, ${count("update")} to update, ${count("replace")} to replace, ${count("delete")} to destroy.**`,
  ];
  if (count("delete") + count("replace") > 0)
    head.push(
      "",
      `:warning: ${count("delete") + count("replace")} resource(s) will be destroyed; read them below.`,
    );
  if (changes.length === 0) return `${head.join("\n")}\n`;
  const rows = ["", "| change | resource |", "| --- | --- |"];
  let text = head.concat(rows).join("\n");
  let shown = 0;
  for (const c of changes) {
    const row = `\n| ${LABEL[c.kind]} | \`${c.address}\` |`;
    if (text.length + row.length > MAX_COMMENT) break;
    text += row;
    shown++;
  }
  if (shown < changes.length)
    text += `\n\n${changes.length - shown} more change(s) left out to fit a comment; the job log has the full plan.`;
  return `${text}\n\nTerraform ${plan.terraform_version ?? "(version not reported)"}.\n`;
}
