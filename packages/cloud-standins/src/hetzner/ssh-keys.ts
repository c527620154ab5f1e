// SSH keys: `GET /v1/ssh_keys[?fingerprint,name]` and `POST /v1/ssh_keys` (unique name and key).
import { fingerprintOf } from '../fingerprint.ts';
import { jsonBody } from '../http.ts';
import { error, type HetznerState, invalidInput, page, type Route, type SshKey } from './state.ts';

export function sshKeyRoutes(state: HetznerState): Route {
  const { keys } = state;
  return async (request) => {
    if (request.path !== '/v1/ssh_keys') return undefined;
    if (request.method === 'GET') {
      const fingerprint = request.query.get('fingerprint');
      const name = request.query.get('name');
      return page(
        state,
        request,
        keys.filter(
          (k) => (!fingerprint || k.fingerprint === fingerprint) && (!name || k.name === name),
        ),
        'ssh_keys',
      );
    }
    if (request.method === 'POST') {
      const input = jsonBody(request) as { name?: unknown; public_key?: unknown } | undefined;
      if (typeof input?.name !== 'string' || !input.name) return invalidInput('name');
      const fingerprint =
        typeof input.public_key === 'string' ? fingerprintOf(input.public_key) : undefined;
      if (!fingerprint) return invalidInput('public_key');
      if (keys.some((k) => k.name === input.name))
        return error(409, 'uniqueness_error', 'SSH key with the same name already exists');
      if (keys.some((k) => k.fingerprint === fingerprint)) {
        return error(409, 'uniqueness_error', 'SSH key with the same fingerprint already exists');
      }
      const key: SshKey = {
        id: state.nextId(),
        name: input.name,
        fingerprint,
        public_key: (input.public_key as string).trim(),
        labels: {},
        created: new Date().toISOString(),
      };
      keys.push(key);
      return { status: 201, body: { ssh_key: key } };
    }
    return undefined;
  };
}
