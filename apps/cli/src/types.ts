// The API's shapes, taken from the typed client so they follow the router without copies.
import type { FlotillaClient } from '@flotilla/client';

type Cluster = FlotillaClient['cluster'];
type SubscribeOptions = NonNullable<Parameters<Cluster['events']['subscribe']>[1]>;

export type ClusterDetail = Awaited<ReturnType<Cluster['one']['query']>>;
export type ClusterSummary = Awaited<ReturnType<Cluster['all']['query']>>[number];
export type ClusterNode = ClusterDetail['nodes'][number];
export type LogLine = Awaited<ReturnType<Cluster['logs']['query']>>['items'][number];
export type ClusterEvent = Parameters<NonNullable<SubscribeOptions['onData']>>[0];
export type SshKey = Awaited<ReturnType<FlotillaClient['sshKey']['list']['query']>>[number];

type AppProcedures = FlotillaClient['app'];
export type App = Awaited<ReturnType<AppProcedures['one']['query']>>;
export type Deployment = Awaited<ReturnType<AppProcedures['deploy']['mutate']>>;
export type AppStatus = Awaited<ReturnType<AppProcedures['status']['query']>>;
export type AppLogLine = Awaited<ReturnType<AppProcedures['logs']['query']>>[number];
