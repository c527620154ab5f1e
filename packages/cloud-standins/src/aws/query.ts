// EC2's query protocol spells lists, filters and tags as numbered form fields.

/** `Name.1`, `Name.2`, … → values. */
export function list(params: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) values.push(params.get(`${prefix}.${i}`)!);
  return values;
}

export function filters(params: URLSearchParams): { name: string; values: string[] }[] {
  const result = [];
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) {
    result.push({
      name: params.get(`Filter.${i}.Name`)!,
      values: list(params, `Filter.${i}.Value`),
    });
  }
  return result;
}

/** EC2 filter values match with `*` and `?` wildcards. */
export const wildcard = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

/** The tags a create asks for its resource type (`TagSpecification.N.Tag.M.Key/Value`). */
export function tagsFor(params: URLSearchParams, resourceType: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let i = 1; params.has(`TagSpecification.${i}.ResourceType`); i++) {
    if (params.get(`TagSpecification.${i}.ResourceType`) !== resourceType) continue;
    for (let j = 1; params.has(`TagSpecification.${i}.Tag.${j}.Key`); j++) {
      tags[params.get(`TagSpecification.${i}.Tag.${j}.Key`)!] =
        params.get(`TagSpecification.${i}.Tag.${j}.Value`) ?? '';
    }
  }
  return tags;
}

/** `[{ key, value }]`, as EC2 writes a resource's `tagSet`. */
export const tagSet = (tags: Record<string, string>) =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));
