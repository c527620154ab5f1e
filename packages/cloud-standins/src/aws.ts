// Amazon EC2 through its query protocol (form-encoded POST, XML answers, SigV4-signed), the
// subset Flotilla uses: instances, key pairs, images, security groups, regions — one module per
// resource family under aws/. This file checks who is asking (every request's signature is
// verified; its credential scope decides the region, and each region has its own instances, key
// pairs and security groups, as in AWS) and hands the action to its family.
import { randomUUID } from 'node:crypto';
import { imageActions, imagesFor } from './aws/images.ts';
import { instanceActions } from './aws/instances.ts';
import { keyPairActions } from './aws/key-pairs.ts';
import { regionActions, regions } from './aws/regions.ts';
import { securityGroupActions } from './aws/security-groups.ts';
import { type AwsState, Ec2Error } from './aws/state.ts';
import { createThrottle, type Ec2Throttling } from './aws/throttling.ts';
import { Faults } from './faults.ts';
import { hang, type StandinRequest, type StandinResponse, startHttpStandin } from './http.ts';
import {
  createMemoryBackend,
  type MachineBackend,
  MachineFleet,
  standinHandle,
} from './machines.ts';
import { verifySigV4 } from './sigv4.ts';
import { ec2Error, ec2Response } from './xml.ts';

export { canonicalOwnerId } from './aws/images.ts';

export const awsTestCredentials = {
  accessKeyId: 'AKIASTANDIN000000001',
  secretAccessKey: 'standin-secret-access-key-0000000000000000',
};
export const awsReadOnlyCredentials = {
  accessKeyId: 'AKIASTANDINREADONLY1',
  secretAccessKey: 'standin-read-only-secret-key-00000000000000',
};

export interface AwsStandinOptions {
  backend?: MachineBackend;
  /** Access keys with full EC2 permissions; defaults to `awsTestCredentials`. */
  accessKeys?: { accessKeyId: string; secretAccessKey: string }[];
  /** Access keys whose policy allows only Describe* calls. */
  readOnlyAccessKeys?: { accessKeyId: string; secretAccessKey: string }[];
  /** Regions the account has not opted into (DescribeRegions says `not-opted-in`). */
  disabledRegions?: string[];
  /** AWS allows up to 1000 per DescribeInstances page; tests lower it to see NextToken. */
  maxResults?: number;
  bootDelayMs?: number;
  /** Request budgets per access key, region and action category, enforced (default: none). */
  throttling?: Ec2Throttling;
}

// What a read-only policy refuses.
const writeActions = new Set([
  'RunInstances',
  'TerminateInstances',
  'ImportKeyPair',
  'CreateSecurityGroup',
  'AuthorizeSecurityGroupIngress',
  'DeleteSecurityGroup',
]);

export async function startAwsStandin(options: AwsStandinOptions = {}) {
  const faults = new Faults();
  const fleet = new MachineFleet(
    options.backend ?? createMemoryBackend(),
    options.bootDelayMs ?? 20,
  );
  const full = options.accessKeys ?? [awsTestCredentials];
  const readOnly = options.readOnlyAccessKeys ?? [awsReadOnlyCredentials];
  const secrets = new Map(
    [...full, ...readOnly].map((key) => [key.accessKeyId, key.secretAccessKey]),
  );
  const writers = new Set(full.map((key) => key.accessKeyId));
  const state: AwsState = {
    fleet,
    faults,
    keyPairs: [],
    groups: [],
    instances: new Map(),
    imagesByRegion: new Map(regions.map((region) => [region, imagesFor(region)])),
    disabledRegions: new Set(options.disabledRegions ?? []),
    maxResults: options.maxResults ?? 1000,
  };
  const allowed = createThrottle(options.throttling);
  const actions = {
    ...regionActions(state),
    ...imageActions(state),
    ...keyPairActions(state),
    ...securityGroupActions(state),
    ...instanceActions(state),
  };

  async function handle(request: StandinRequest): Promise<StandinResponse | typeof hang> {
    const requestId = randomUUID();
    const fail = (status: number, code: string, message: string): StandinResponse => ({
      status,
      body: ec2Error(code, message, requestId),
    });
    const signature = verifySigV4(request, (id) => secrets.get(id));
    if (!signature.ok) {
      return signature.reason === 'missing'
        ? fail(401, 'AuthFailure', 'Authorization header is missing or not AWS4-HMAC-SHA256')
        : fail(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
    }
    if (!regions.includes(signature.region) || signature.service !== 'ec2') {
      return fail(
        401,
        'AuthFailure',
        `Credential should be scoped to a valid region and service ec2, not '${signature.region}/${signature.service}'`,
      );
    }
    if (state.disabledRegions.has(signature.region)) {
      return fail(
        401,
        'AuthFailure',
        `AWS was not able to validate the provided access credentials (region ${signature.region} is not enabled for this account)`,
      );
    }
    const params = new URLSearchParams(request.rawBody);
    const action = params.get('Action') ?? '';
    const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (request.method !== 'POST' || !run)
      return fail(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    if (writeActions.has(action) && !writers.has(signature.accessKeyId)) {
      return fail(
        403,
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. User: arn:aws:iam::000000000000:user/read-only is not authorized to perform: ec2:${action}`,
      );
    }
    if (!allowed(signature.accessKeyId, signature.region, action, params)) {
      return fail(503, 'RequestLimitExceeded', 'Request limit exceeded.');
    }
    try {
      const result = await run(params, signature.region);
      if (result === hang) return hang;
      return { status: 200, body: ec2Response(action, requestId, result) };
    } catch (error) {
      if (error instanceof Ec2Error) return fail(error.status, error.code, error.message);
      throw error;
    }
  }

  const http = await startHttpStandin({
    faults,
    // EC2 throttles with 503 RequestLimitExceeded; the SDK backs off on that code.
    rateLimited: () => ({
      status: 503,
      body: ec2Error('RequestLimitExceeded', 'Request limit exceeded.', randomUUID()),
    }),
    serverError: () => ({
      status: 500,
      body: ec2Error('InternalError', 'An internal error has occurred', randomUUID()),
    }),
    handle,
  });

  return {
    ...standinHandle(http, faults, fleet),
    keyPairs: () => [...state.keyPairs],
    images: (region: string) => [...(state.imagesByRegion.get(region) ?? [])],
    securityGroups: () => state.groups.map((group) => ({ ...group, rules: [...group.rules] })),
  };
}

export type AwsStandin = Awaited<ReturnType<typeof startAwsStandin>>;
