// EC2 throttles per account and region with a token bucket per action category (see "Request
// throttling for the Amazon EC2 API"). The stand-in enforces only the categories a test
// configures; a request beyond one is answered 503 RequestLimitExceeded.
import { RateBudget, type RateLimitWindow } from '../rate-limit.ts';

export type Ec2ActionCategory =
  | 'describe'
  | 'describe-unfiltered'
  | 'mutating'
  | 'resource-intensive'
  | 'run-instances'
  | 'terminate-instances';

export type Ec2Throttling = Partial<Record<Ec2ActionCategory, RateLimitWindow[]>>;

export function categoryOf(action: string, params: URLSearchParams): Ec2ActionCategory {
  if (action === 'RunInstances') return 'run-instances';
  if (action === 'TerminateInstances') return 'terminate-instances';
  if (action === 'AuthorizeSecurityGroupIngress') return 'resource-intensive';
  if (action === 'DescribeInstances' || action === 'DescribeSecurityGroups') {
    return params.has('Filter.1.Name') || params.has('MaxResults')
      ? 'describe'
      : 'describe-unfiltered';
  }
  return /^(Describe|List|Search|Get)/.test(action) ? 'describe' : 'mutating';
}

/** Whether the account may make this request now (spending from its bucket if so). */
export function createThrottle(limits: Ec2Throttling = {}) {
  const budgets = new Map<string, RateBudget>();
  return (account: string, region: string, action: string, params: URLSearchParams) => {
    const category = categoryOf(action, params);
    const windows = limits[category];
    if (!windows) return true;
    const key = `${account}/${region}/${category}`;
    let budget = budgets.get(key);
    if (!budget) {
      budget = new RateBudget(windows);
      budgets.set(key, budget);
    }
    return budget.take();
  };
}
