// platform.*: the platform page (issue 17): what runs for the caller (stats), what this instance
// offers (config, public), clusters in the page's shape with the tasks counted on their servers.
import * as cluster from './cluster.handler.ts';
import * as clusters from './clusters.handler.ts';
import * as config from './config.handler.ts';
import * as stats from './stats.handler.ts';

export const platformProcedures = { stats, config, clusters, cluster };
