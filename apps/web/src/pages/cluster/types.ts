// The cluster page's data, as the API returns it; shared by the page and its sections.
import type { Outputs } from '../../trpc.ts';

export type ClusterDetail = Outputs['cluster']['one'];
export type LogLine = Outputs['cluster']['logs']['items'][number];
