// Paged lists: the inputs come from `listInput` (schemas/common.ts); the page goes back as a bare
// array with its total in `X-Total-Count` (and, where a list has them, the pages in `Link`).
import type { Context } from './context.ts';

interface PageInput {
  page: number;
  limit: number;
}

interface SortedPageInput extends PageInput {
  sort: string;
  order: 'asc' | 'desc';
}

/** The rows of the asked page. */
export function pageWindow(input: PageInput) {
  return { skip: (input.page - 1) * input.limit, take: input.limit };
}

/** The asked page in the asked order; ties go by id, so no row is on two pages. */
export function sortedPage(input: SortedPageInput) {
  return { orderBy: [{ [input.sort]: input.order }, { id: input.order }], ...pageWindow(input) };
}

/** `search`: the name contains it, in any case. */
export function nameSearch(search: string | undefined) {
  return search ? { name: { contains: search, mode: 'insensitive' as const } } : {};
}

export function setTotalCount(ctx: Pick<Context, 'resHeaders'>, total: number): void {
  ctx.resHeaders['x-total-count'] = String(total);
}

/** `Link`: the first, last, previous and next pages; `at(page)` is the address of one. */
export function pageLinks(input: PageInput, total: number, at: (page: number) => string): string {
  const last = Math.max(1, Math.ceil(total / input.limit));
  const link = (page: number, rel: string) => `<${at(page)}>; rel="${rel}"`;
  const links = [link(1, 'first'), link(last, 'last')];
  if (input.page > 1) links.push(link(Math.min(input.page - 1, last), 'prev'));
  if (input.page < last) links.push(link(input.page + 1, 'next'));
  return links.join(', ');
}
