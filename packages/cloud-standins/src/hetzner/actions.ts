// Actions: what a create or delete answers with, finishing later; `GET /v1/actions/{id}`.
import { type Action, error, type HetznerState, type Route } from './state.ts';

export function actionView(entry: Action) {
  const done = entry.done();
  return {
    id: entry.id,
    command: entry.command,
    status: done ? 'success' : 'running',
    progress: done ? 100 : 0,
    started: entry.started.toISOString(),
    finished: done ? new Date().toISOString() : null,
    resources: entry.resources,
    error: null,
  };
}

export function newAction(
  state: HetznerState,
  command: string,
  resourceId: number,
  done: () => boolean,
): Action {
  const entry = {
    id: state.nextId(),
    command,
    started: new Date(),
    resources: [{ id: resourceId, type: 'server' }],
    done,
  };
  state.actions.set(entry.id, entry);
  return entry;
}

export function actionRoutes(state: HetznerState): Route {
  return async (request) => {
    const match = /^\/v1\/actions\/(\d+)$/.exec(request.path);
    if (!match || request.method !== 'GET') return undefined;
    const entry = state.actions.get(Number(match[1]));
    if (!entry) return error(404, 'not_found', `action with ID '${match[1]}' not found`);
    return { status: 200, body: { action: actionView(entry) } };
  };
}
