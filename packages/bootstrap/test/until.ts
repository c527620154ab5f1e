/** Polls `check` until it returns something other than false, or fails at the deadline. */
export async function until<T>(check: () => Promise<T | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
