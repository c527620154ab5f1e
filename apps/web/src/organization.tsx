// The organization the dashboard is showing, chosen in the header and remembered per browser.
import { useQuery } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import { useStoredOrganization } from './session.ts';
import { type Outputs, useTRPC } from './trpc.ts';

type Organization = Outputs['auth']['me']['organizations'][number];

interface OrganizationState {
  organization: Organization;
  organizations: Organization[];
  me: Outputs['auth']['me'];
}

const OrganizationContext = createContext<OrganizationState | null>(null);

export function useMe() {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions());
}

export function OrganizationProvider({
  me,
  children,
}: {
  me: Outputs['auth']['me'];
  children: ReactNode;
}) {
  const stored = useStoredOrganization();
  const organizations = me.organizations;
  const organization = organizations.find((org) => org.id === stored) ?? organizations[0];
  if (!organization) return <>{children}</>;
  return (
    <OrganizationContext.Provider value={{ organization, organizations, me }}>
      {children}
    </OrganizationContext.Provider>
  );
}

export function useOrganization(): OrganizationState {
  const state = useContext(OrganizationContext);
  if (!state) throw new Error('useOrganization outside OrganizationProvider');
  return state;
}
