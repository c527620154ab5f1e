// What the DigitalOcean stand-in remembers, and the answers every resource shares (error body,
// `links.pages` + `meta.total`). Shapes follow https://docs.digitalocean.com/reference/api/.
import type { Faults } from '../faults.ts';
import { type hang, paginate, type StandinRequest, type StandinResponse } from '../http.ts';
import type { MachineFleet } from '../machines.ts';

export interface SshKey {
  id: number;
  fingerprint: string;
  public_key: string;
  name: string;
}

export interface DigitalOceanState {
  fleet: MachineFleet;
  faults: Faults;
  keys: SshKey[];
  /** Droplets, keys and actions share one id sequence. */
  nextId(): number;
  maxPerPage: number;
}

/** Answers the request when it is this resource's, else undefined (the next one is asked). */
export type Route = (request: StandinRequest) => Promise<StandinResponse | typeof hang | undefined>;

export const error = (status: number, id: string, message: string): StandinResponse => ({
  status,
  body: { id, message },
});

export const notFound = () =>
  error(404, 'not_found', 'The resource you were accessing could not be found.');

export function page<T>(
  state: DigitalOceanState,
  request: StandinRequest,
  items: T[],
  key: string,
): StandinResponse {
  const slice = paginate(items, request.query, { perPage: 20, maxPerPage: state.maxPerPage });
  const link = (n: number) => {
    const url = new URL(`${request.origin}${request.path}`);
    for (const [k, v] of request.query) url.searchParams.set(k, v);
    url.searchParams.set('page', String(n));
    url.searchParams.set('per_page', String(slice.perPage));
    return url.toString();
  };
  const pages: Record<string, string> = {};
  if (slice.page > 1) Object.assign(pages, { first: link(1), prev: link(slice.page - 1) });
  if (slice.page < slice.lastPage)
    Object.assign(pages, { next: link(slice.page + 1), last: link(slice.lastPage) });
  return {
    status: 200,
    body: {
      [key]: slice.items,
      links: Object.keys(pages).length ? { pages } : {},
      meta: { total: slice.total },
    },
  };
}
