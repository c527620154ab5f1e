// The API's error message, as the user should read it.

interface ZodishIssue {
  path?: PropertyKey[];
  message: string;
}

export function errorMessage(error: unknown): string {
  if (!error) return '';
  if (typeof error === 'string') return error;
  if (error instanceof Error) {
    // Network failures surface as TypeError('Failed to fetch') from the browser, which the tRPC
    // client wraps with the same message.
    const network = error.name === 'TypeError' || error.cause instanceof TypeError;
    if (network && /fetch|network/i.test(error.message)) {
      return 'Cannot reach the Flotilla API. Check your connection and try again.';
    }
    return error.message || 'Something went wrong.';
  }
  return 'Something went wrong.';
}

/** Field path → first message, from the issues of a zod validation. */
export function fieldErrors(issues: readonly ZodishIssue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const key = (issue.path ?? []).map(String).join('.');
    errors[key] ??= issue.message;
  }
  return errors;
}
