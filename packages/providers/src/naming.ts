// How Flotilla marks the machines it creates, so that a retried job finds its machine again and
// the sweeper finds every machine (and only those) that Flotilla is responsible for.

/**
 * Deterministic machine name: a retried create asks for the same name again. DigitalOcean and
 * Hetzner require a hostname (no `_`), and node ids look like `node_abc…`.
 */
export function serverName(nodeId: string): string {
  return `flt-${nodeId.replaceAll('_', '-').toLowerCase()}`;
}

/** AWS RunInstances idempotency token: the same node never yields a second instance. */
export function clientToken(nodeId: string): string {
  return `flotilla-${nodeId}`;
}

/** Marker carried by every Flotilla machine (DigitalOcean tag, Hetzner label key, AWS tag key). */
export const flotillaMarker = 'flotilla';
export const clusterMarker = 'flotilla-cluster';
export const nodeMarker = 'flotilla-node';

/** DigitalOcean tags are plain names, so ids are folded into the tag name. */
export function digitalOceanTags(clusterId: string, nodeId: string): string[] {
  return [flotillaMarker, `${clusterMarker}-${clusterId}`, `${nodeMarker}-${nodeId}`];
}

/** Hetzner labels and AWS tags are key/value pairs. */
export function machineLabels(clusterId: string, nodeId: string): Record<string, string> {
  return { [flotillaMarker]: 'true', [clusterMarker]: clusterId, [nodeMarker]: nodeId };
}

/** Reads the cluster and node ids back from tags/labels, whichever form they took. */
export function idsFromLabels(labels: Record<string, string>): {
  clusterId: string | undefined;
  nodeId: string | undefined;
} {
  return { clusterId: labels[clusterMarker], nodeId: labels[nodeMarker] };
}

export function idsFromDigitalOceanTags(tags: readonly string[]): {
  clusterId: string | undefined;
  nodeId: string | undefined;
} {
  const suffix = (prefix: string) =>
    tags.find((tag) => tag.startsWith(`${prefix}-`))?.slice(prefix.length + 1);
  return { clusterId: suffix(clusterMarker), nodeId: suffix(nodeMarker) };
}
