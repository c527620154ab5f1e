// An app's secret env values: one sealed JSON object per app row (and per deployment row, by
// the worker), bound to its row by the sealing context.
import { appSecretEnvContext, type Sealer } from '@flotilla/secrets';

export function openSecretEnv(
  sealer: Sealer,
  appId: string,
  envelope: string | null,
): Record<string, string> {
  if (!envelope) return {};
  return JSON.parse(sealer.open(envelope, appSecretEnvContext(appId))) as Record<string, string>;
}

/** Null when there is nothing secret, so an app without secrets stores no envelope. */
export function sealSecretEnv(
  sealer: Sealer,
  appId: string,
  values: Record<string, string>,
): string | null {
  if (Object.keys(values).length === 0) return null;
  return sealer.seal(JSON.stringify(values), appSecretEnvContext(appId));
}
