// What the Hetzner stand-in remembers, and the answers every resource shares (error body,
// `meta.pagination`). Shapes follow https://docs.hetzner.cloud/.
import type { Faults } from '../faults.ts';
import { type hang, paginate, type StandinRequest, type StandinResponse } from '../http.ts';
import type { MachineFleet } from '../machines.ts';

export interface SshKey {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
  labels: Record<string, string>;
  created: string;
}

export interface Action {
  id: number;
  command: string;
  started: Date;
  resources: { id: number; type: string }[];
  /** Decides the status each time it is read: actions progress while nobody watches. */
  done(): boolean;
}

export interface HetznerState {
  fleet: MachineFleet;
  faults: Faults;
  keys: SshKey[];
  actions: Map<number, Action>;
  /** Servers, keys and actions share one id sequence, as they do at Hetzner. */
  nextId(): number;
  maxPerPage: number;
  /** How long a delete action stays `running`. */
  actionDelayMs: number;
}

/** Answers the request when it is this resource's, else undefined (the next one is asked). */
export type Route = (request: StandinRequest) => Promise<StandinResponse | typeof hang | undefined>;

export const error = (status: number, code: string, message: string): StandinResponse => ({
  status,
  body: { error: { code, message, details: null } },
});

export const invalidInput = (field: string) =>
  error(400, 'invalid_input', `invalid input in field '${field}'`);

export function page<T>(
  state: HetznerState,
  request: StandinRequest,
  items: T[],
  key: string,
): StandinResponse {
  const slice = paginate(items, request.query, { perPage: 25, maxPerPage: state.maxPerPage });
  return {
    status: 200,
    body: {
      [key]: slice.items,
      meta: {
        pagination: {
          page: slice.page,
          per_page: slice.perPage,
          previous_page: slice.page > 1 ? slice.page - 1 : null,
          next_page: slice.page < slice.lastPage ? slice.page + 1 : null,
          last_page: slice.lastPage,
          total_entries: slice.total,
        },
      },
    },
  };
}
