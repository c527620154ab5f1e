/** How long the tests wait for a cluster to settle, and how often they look (vi.waitFor, expect.poll). */
export const poll = { timeout: 30_000, interval: 250 };
