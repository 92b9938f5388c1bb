/**
 * docs/BENCHMARKS.md is written by more than one command: `npm run bench` writes the policy
 * benchmarks and `npm run bench:optimizer` the controller's speed. Each owns a marked section,
 * and writing one keeps the others.
 */
const start = (id: string) => `<!-- section:${id} -->`;
const end = (id: string) => `<!-- /section:${id} -->`;

/** The text with the section `id` set to `body` (appended when absent). */
export function upsertSection(text: string, id: string, body: string): string {
  const block = `${start(id)}\n${body.trimEnd()}\n${end(id)}\n`;
  const from = text.indexOf(start(id));
  const to = text.indexOf(end(id));
  if (from >= 0 && to > from) return `${text.slice(0, from)}${block}${text.slice(to + end(id).length + 1)}`;
  return `${text.trimEnd()}\n\n${block}`;
}

/** Every marked section of a document, to carry over when the rest is rewritten. */
export function sections(text: string): { id: string; body: string }[] {
  return [...text.matchAll(/<!-- section:([\w-]+) -->\n([\s\S]*?)\n<!-- \/section:\1 -->/g)].map((m) => ({
    id: m[1],
    body: m[2],
  }));
}
