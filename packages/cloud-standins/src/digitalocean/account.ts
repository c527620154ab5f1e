// `GET /v2/account`: what the token's account may do.
import type { Route } from './state.ts';

export function accountRoutes(): Route {
  return async (request) => {
    if (request.method !== 'GET' || request.path !== '/v2/account') return undefined;
    return {
      status: 200,
      body: {
        account: {
          droplet_limit: 25,
          floating_ip_limit: 3,
          email: 'standin@example.com',
          uuid: 'standin',
          email_verified: true,
          status: 'active',
          status_message: '',
        },
      },
    };
  };
}
