// One EC2 client per region (the SDK signs for one region), and the SDK's failures turned into
// ProviderErrors that keep AWS's own error code.
import { EC2Client } from '@aws-sdk/client-ec2';
import type { CloudClientOptions, RetryPolicy } from '../client.ts';
import type { AwsCredentials } from '../credentials.ts';
import { ProviderError } from '../errors.ts';
import type { RateBudget } from '../rate-budget.ts';

export const label = 'AWS EC2';

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const sdk = error as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const retryable =
    status === undefined ||
    status >= 500 ||
    sdk.name === 'RequestLimitExceeded' ||
    sdk.name === 'Throttling';
  return new ProviderError({
    provider: label,
    status,
    code: sdk.name,
    message: status === undefined ? `${label} could not be reached: ${sdk.message}` : sdk.message,
    retryable,
    cause: error,
  });
}

/** AWS's error code (`InvalidGroup.Duplicate`, …) of an SDK failure. */
export const sdkCode = (error: unknown) => (error as SdkError).name;

const throttlingCodes = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException']);

/**
 * The EC2 throttling bucket an action draws from (see `publishedRateLimits.aws`). A Describe
 * without filters or pagination draws from the smaller bucket of its category.
 */
export function ec2Family(commandName: string, input: unknown): string {
  const action = commandName.replace(/Command$/, '');
  if (action === 'RunInstances') return 'run-instances';
  if (action === 'TerminateInstances') return 'terminate-instances';
  if (action === 'AuthorizeSecurityGroupIngress') return 'resource-intensive';
  if (action === 'DescribeInstances' || action === 'DescribeSecurityGroups') {
    const request = (input ?? {}) as { Filters?: unknown[]; MaxResults?: number };
    return request.Filters?.length || request.MaxResults ? 'describe' : 'describe-unfiltered';
  }
  return /^(Describe|List|Search|Get)/.test(action) ? 'describe' : 'mutating';
}

type Middleware = Parameters<EC2Client['middlewareStack']['addRelativeTo']>[0];

function budgetMiddleware(budget: RateBudget, region: string): Middleware {
  // The SDK's middleware types are a union the compiler cannot infer parameters from.
  const middleware =
    (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: unknown }) => {
      const ticket = await budget.take(ec2Family(context.commandName ?? '', args.input), region);
      try {
        const output = await next(args);
        await ticket.settle({ limited: false });
        return output;
      } catch (error) {
        await ticket.settle({ limited: throttlingCodes.has(sdkCode(error)) });
        throw error;
      }
    };
  return middleware as unknown as Middleware;
}

export interface Ec2 {
  /** The region's client, made on first use. */
  client(region: string): EC2Client;
  /** Runs SDK calls, turning their failures into ProviderErrors. */
  send<T>(run: () => Promise<T>): Promise<T>;
}

export function createEc2(
  credentials: AwsCredentials,
  options: CloudClientOptions,
  retry: RetryPolicy,
  budget: RateBudget,
): Ec2 {
  const clients = new Map<string, EC2Client>();
  return {
    client(region) {
      let client = clients.get(region);
      if (!client) {
        client = new EC2Client({
          region,
          // Unset: the SDK reads AWS_ENDPOINT_URL_EC2 itself, else the regional AWS endpoint.
          ...(options.baseUrl ? { endpoint: options.baseUrl } : {}),
          credentials: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
          },
          maxAttempts: retry.attempts,
          // Without throwOnRequestTimeout the SDK only warns and keeps waiting on a silent endpoint.
          requestHandler: {
            requestTimeout: retry.requestTimeoutMs,
            connectionTimeout: retry.requestTimeoutMs,
            throwOnRequestTimeout: true,
          },
        });
        // Inside the SDK's retries: every attempt, the first and each retry, spends from the
        // account's budget for its action family in this region, as EC2 counts them.
        client.middlewareStack.addRelativeTo(budgetMiddleware(budget, region), {
          relation: 'after',
          toMiddleware: 'retryMiddleware',
          name: 'flotillaRateBudget',
        });
        clients.set(region, client);
      }
      return client;
    },
    async send(run) {
      try {
        return await run();
      } catch (error) {
        throw toProviderError(error);
      }
    },
  };
}
