// The signed-in session: the bearer token from auth.login/register and the organization the
// user is looking at, both kept in localStorage so a reload (or a second tab) keeps them.
import { useSyncExternalStore } from 'react';

const tokenKey = 'flotilla.token';
const organizationKey = 'flotilla.organization';

const listeners = new Set<() => void>();

function emit() {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  // Another tab signing in or out changes this one too.
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

function write(key: string, value: string | null) {
  if (value === null) window.localStorage.removeItem(key);
  else window.localStorage.setItem(key, value);
  emit();
}

export const getToken = (): string | null => window.localStorage.getItem(tokenKey);

export function signIn(token: string, organizationId?: string): void {
  if (organizationId) window.localStorage.setItem(organizationKey, organizationId);
  write(tokenKey, token);
}

export function signOut(): void {
  write(tokenKey, null);
}

export function selectOrganization(organizationId: string): void {
  write(organizationKey, organizationId);
}

export function useToken(): string | null {
  return useSyncExternalStore(subscribe, getToken);
}

export function useStoredOrganization(): string | null {
  return useSyncExternalStore(subscribe, () => window.localStorage.getItem(organizationKey));
}
