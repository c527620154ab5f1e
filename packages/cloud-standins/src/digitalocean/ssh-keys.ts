// Account SSH keys: list, add (one per fingerprint), get by id or fingerprint.
import { fingerprintOf } from '../fingerprint.ts';
import { jsonBody } from '../http.ts';
import { type DigitalOceanState, error, notFound, page, type Route } from './state.ts';

export function sshKeyRoutes(state: DigitalOceanState): Route {
  const { keys } = state;
  return async (request) => {
    const { method, path } = request;
    if (path === '/v2/account/keys') {
      if (method === 'GET') return page(state, request, keys, 'ssh_keys');
      if (method === 'POST') {
        const input = jsonBody(request) as { name?: unknown; public_key?: unknown } | undefined;
        if (typeof input?.name !== 'string' || !input.name)
          return error(422, 'unprocessable_entity', 'Name is required');
        const fingerprint =
          typeof input.public_key === 'string' ? fingerprintOf(input.public_key) : undefined;
        if (!fingerprint)
          return error(422, 'unprocessable_entity', 'Key invalid, type not supported');
        if (keys.some((key) => key.fingerprint === fingerprint)) {
          return error(422, 'unprocessable_entity', 'SSH Key is already in use on your account');
        }
        const key = {
          id: state.nextId(),
          fingerprint,
          public_key: (input.public_key as string).trim(),
          name: input.name,
        };
        keys.push(key);
        return { status: 201, body: { ssh_key: key } };
      }
      return undefined;
    }
    const match = /^\/v2\/account\/keys\/([^/]+)$/.exec(path);
    if (!match || method !== 'GET') return undefined;
    const ref = decodeURIComponent(match[1]!);
    const key = keys.find((k) => String(k.id) === ref || k.fingerprint === ref);
    return key ? { status: 200, body: { ssh_key: key } } : notFound();
  };
}
