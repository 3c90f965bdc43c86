/**
 * Search and tag filters of the console's lists (pure). A query is words that
 * must all appear, case-insensitively, somewhere in an object's text (name,
 * description, owner, tags as "key=value", and names inside it such as
 * features and join keys); tag filters are "key=value" pairs the object must
 * all carry, as `fstore list --tags` and the List RPCs' tag filters.
 */

export interface ListFilter {
  /** The query as typed (trimmed). */
  query: string;
  /** Required tags, in the order given. */
  tags: [string, string][];
}

/** What a list item offers to the filter. */
export interface Searchable {
  name: string;
  description?: string;
  owner?: string;
  tags: Readonly<Record<string, string>>;
  /** More names to match: features, join keys, sources. */
  words?: readonly string[];
}

/** `?q=words&tag=k=v&tag=k2=v2`; a tag without "=" requires the key with an empty value. */
export function parseListFilter(params: URLSearchParams): ListFilter {
  const tags: [string, string][] = [];
  for (const t of params.getAll("tag")) {
    const eq = t.indexOf("=");
    const key = (eq < 0 ? t : t.slice(0, eq)).trim();
    if (key !== "") tags.push([key, eq < 0 ? "" : t.slice(eq + 1).trim()]);
  }
  return { query: (params.get("q") ?? "").trim().slice(0, 200), tags };
}

export function isEmptyFilter(f: ListFilter): boolean {
  return f.query === "" && f.tags.length === 0;
}

function textOf(item: Searchable): string {
  return [
    item.name,
    item.description ?? "",
    item.owner ?? "",
    ...Object.entries(item.tags).map(([k, v]) => `${k}=${v}`),
    ...(item.words ?? []),
  ]
    .join("\n")
    .toLowerCase();
}

export function matchesFilter(item: Searchable, f: ListFilter): boolean {
  for (const [key, value] of f.tags) if (item.tags[key] !== value) return false;
  if (f.query === "") return true;
  const text = textOf(item);
  return f.query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => text.includes(word));
}

/** Every tag carried by the items, as "key=value" with how many items carry it, most used first. */
export function tagCounts(items: readonly Searchable[]): { tag: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    for (const [k, v] of Object.entries(item.tags))
      counts.set(`${k}=${v}`, (counts.get(`${k}=${v}`) ?? 0) + 1);
  }
  return [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

/** The query string of `f`, with `change` applied (a tag added or removed). */
export function filterQuery(f: ListFilter, change?: { addTag?: string; removeTag?: string }): string {
  const params = new URLSearchParams();
  if (f.query !== "") params.set("q", f.query);
  const tags = f.tags.map(([k, v]) => `${k}=${v}`).filter((t) => t !== change?.removeTag);
  if (change?.addTag && !tags.includes(change.addTag)) tags.push(change.addTag);
  for (const t of tags) params.append("tag", t);
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}
