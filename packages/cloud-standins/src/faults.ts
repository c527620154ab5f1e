// Trouble on request, so tests (and people poking at a stand-in by hand) can prove that clients
// and the worker survive what real clouds do now and then.

export const faultKinds = [
  /** The next N API requests answer 429 with the provider's rate-limit headers. */
  'rateLimit',
  /** The next N API requests answer 500. */
  'serverError',
  /** The next N machines created stay pending forever and never get an address. */
  'neverReady',
  /** The next N creates make the machine, then never answer (the client's request times out). */
  'hangAfterCreate',
] as const;
export type FaultKind = (typeof faultKinds)[number];
export type FaultPlan = Partial<Record<FaultKind, number>>;

export class Faults {
  private readonly remaining = new Map<FaultKind, number>();

  /** Adds to what is already planned. */
  plan(plan: FaultPlan): void {
    for (const kind of faultKinds) {
      const count = plan[kind];
      if (count !== undefined) this.remaining.set(kind, (this.remaining.get(kind) ?? 0) + count);
    }
  }

  rateLimit(count = 1): void {
    this.plan({ rateLimit: count });
  }

  serverError(count = 1): void {
    this.plan({ serverError: count });
  }

  neverReady(count = 1): void {
    this.plan({ neverReady: count });
  }

  hangAfterCreate(count = 1): void {
    this.plan({ hangAfterCreate: count });
  }

  /** True (and one fewer left) when a fault of this kind is due. */
  take(kind: FaultKind): boolean {
    const left = this.remaining.get(kind) ?? 0;
    if (left <= 0) return false;
    this.remaining.set(kind, left - 1);
    return true;
  }

  pending(): Record<FaultKind, number> {
    return Object.fromEntries(
      faultKinds.map((kind) => [kind, this.remaining.get(kind) ?? 0]),
    ) as Record<FaultKind, number>;
  }

  clear(): void {
    this.remaining.clear();
  }
}

/** Validates a fault plan that arrived over HTTP; returns the problem in words or the plan. */
export function parseFaultPlan(input: unknown): FaultPlan | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return `expected a JSON object with any of: ${faultKinds.join(', ')}`;
  }
  const plan: FaultPlan = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(faultKinds as readonly string[]).includes(key)) {
      return `unknown fault "${key}"; known: ${faultKinds.join(', ')}`;
    }
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 10_000) {
      return `${key} must be a whole number between 0 and 10000`;
    }
    plan[key as FaultKind] = value as number;
  }
  return plan;
}
