// Quotas: how many clusters, machines per provider, apps and databases one organization may
// have (OWASP API4/API6: nothing else stops a token from running up a cloud bill). Each kind is
// a name and a count query; its limit is the organization's override (OrganizationQuota, set by
// an instance administrator) or the instance's default (FLOTILLA_QUOTA_*).
//
// A create reserves what it adds inside its own transaction: an advisory lock per organization
// and kind makes parallel creates take turns, and each counts the rows the ones before it
// committed (READ COMMITTED: every statement sees the latest commits), so 20 parallel creates
// at a quota of 5 make exactly 5.
import type { Config } from '@flotilla/config';
import type { Db, Prisma, Provider } from '@flotilla/db';
import { TRPCError } from '@trpc/server';

type Tx = Prisma.TransactionClient;

export const quotaKinds = [
  'clusters',
  'nodes.digitalocean',
  'nodes.hetzner',
  'nodes.aws',
  'nodes.ssh',
  'apps',
  'databases',
] as const;

export type QuotaKind = (typeof quotaKinds)[number];

export type QuotaLimits = Record<QuotaKind, number>;

/** What each kind counts, in words (the 403 and quota.get say it). */
export const quotaNouns: Record<QuotaKind, string> = {
  clusters: 'clusters',
  'nodes.digitalocean': 'DigitalOcean machines',
  'nodes.hetzner': 'Hetzner machines',
  'nodes.aws': 'AWS machines',
  'nodes.ssh': 'own servers (provider ssh)',
  apps: 'apps',
  databases: 'databases',
};

export const nodeQuota = (provider: Provider): QuotaKind => `nodes.${provider}`;

const nodesOf = (provider: Provider) => (tx: Tx, organizationId: string) =>
  tx.node.count({ where: { cluster: { organizationId, provider } } });

/**
 * How many of each kind an organization has now. Nodes count until their row is gone (a node
 * being removed is still a machine), databases until theirs is (one being removed still runs).
 */
export const quotaUsage: Record<QuotaKind, (tx: Tx, organizationId: string) => Promise<number>> = {
  clusters: (tx, organizationId) => tx.cluster.count({ where: { organizationId } }),
  'nodes.digitalocean': nodesOf('digitalocean'),
  'nodes.hetzner': nodesOf('hetzner'),
  'nodes.aws': nodesOf('aws'),
  'nodes.ssh': nodesOf('ssh'),
  apps: (tx, organizationId) => tx.app.count({ where: { organizationId } }),
  databases: (tx, organizationId) => tx.managedDatabase.count({ where: { organizationId } }),
};

export type QuotaConfig = Pick<
  Config,
  | 'FLOTILLA_QUOTA_CLUSTERS'
  | 'FLOTILLA_QUOTA_NODES'
  | 'FLOTILLA_QUOTA_NODES_DIGITALOCEAN'
  | 'FLOTILLA_QUOTA_NODES_HETZNER'
  | 'FLOTILLA_QUOTA_NODES_AWS'
  | 'FLOTILLA_QUOTA_NODES_SSH'
  | 'FLOTILLA_QUOTA_APPS'
  | 'FLOTILLA_QUOTA_DATABASES'
>;

export function quotaDefaultsFromConfig(config: QuotaConfig): QuotaLimits {
  const nodes = config.FLOTILLA_QUOTA_NODES;
  return {
    clusters: config.FLOTILLA_QUOTA_CLUSTERS,
    'nodes.digitalocean': config.FLOTILLA_QUOTA_NODES_DIGITALOCEAN ?? nodes,
    'nodes.hetzner': config.FLOTILLA_QUOTA_NODES_HETZNER ?? nodes,
    'nodes.aws': config.FLOTILLA_QUOTA_NODES_AWS ?? nodes,
    'nodes.ssh': config.FLOTILLA_QUOTA_NODES_SSH ?? nodes,
    apps: config.FLOTILLA_QUOTA_APPS,
    databases: config.FLOTILLA_QUOTA_DATABASES,
  };
}

/** The defaults of `loadConfig({})`, for services built without a config (unit tests). */
export const builtinQuotaDefaults: QuotaLimits = {
  clusters: 100,
  'nodes.digitalocean': 300,
  'nodes.hetzner': 300,
  'nodes.aws': 300,
  'nodes.ssh': 300,
  apps: 300,
  databases: 100,
};

export interface QuotaState {
  kind: QuotaKind;
  limit: number;
  used: number;
  /** `override`: an instance administrator set it for this organization. */
  source: 'default' | 'override';
}

/** Every kind's limit and use for one organization. */
export async function quotasOf(
  db: Db | Tx,
  defaults: QuotaLimits,
  organizationId: string,
): Promise<QuotaState[]> {
  const overrides = await db.organizationQuota.findMany({ where: { organizationId } });
  const byKind = new Map(overrides.map((row) => [row.kind, row.limit]));
  return Promise.all(
    quotaKinds.map(async (kind) => {
      const override = byKind.get(kind);
      return {
        kind,
        limit: override ?? defaults[kind],
        used: await quotaUsage[kind](db as Tx, organizationId),
        source: override === undefined ? ('default' as const) : ('override' as const),
      };
    }),
  );
}

/** A create that would pass a limit: 403 with the numbers and what to do. */
export class QuotaExceededError extends TRPCError {
  constructor(readonly quota: { kind: QuotaKind; limit: number; used: number; requested: number }) {
    const { kind, limit, used, requested } = quota;
    const asked = requested === 1 ? 'one more' : `${requested} more`;
    super({
      code: 'FORBIDDEN',
      message:
        `Quota reached: this organization may have ${limit} ${quotaNouns[kind]} and has ${used}, ` +
        `so ${asked} would pass the limit. Remove some, or ask an instance administrator to ` +
        `raise the "${kind}" quota (quota.set).`,
    });
  }
}

/**
 * Reserves `adding` of `kind` for the organization inside `tx`, the transaction that then writes
 * the rows; throws QuotaExceededError when they would pass the limit. Callers reserving several
 * kinds do it in the order of `quotaKinds`, so two transactions never wait on each other's locks.
 *
 * `written`: the transaction has written the rows already, so they are counted, and it reserves
 * last, right before committing. The lock, which parallel creates of one organization take in
 * turn, is then held for a count and a commit instead of the whole create: a burst of 50 creates
 * no longer queues behind each other's inserts (faults/05 answered 503 once the wait passed the
 * transaction timeout).
 */
export async function reserveQuota(
  tx: Tx,
  defaults: QuotaLimits,
  organizationId: string,
  kind: QuotaKind,
  adding: number,
  options: { written?: boolean } = {},
): Promise<void> {
  if (adding <= 0) return;
  const lock = `flotilla.quota:${organizationId}:${kind}`;
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${lock}, 0))`;
  const override = await tx.organizationQuota.findUnique({
    where: { organizationId_kind: { organizationId, kind } },
    select: { limit: true },
  });
  const limit = override?.limit ?? defaults[kind];
  const counted = await quotaUsage[kind](tx, organizationId);
  // Rows this transaction wrote already are in the count (its own writes are visible to it).
  const used = options.written ? counted - adding : counted;
  if (used + adding > limit) {
    throw new QuotaExceededError({ kind, limit, used, requested: adding });
  }
}
