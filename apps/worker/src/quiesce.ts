// Before taking something down, the jobs that build it must stop: a queued one is removed, a
// running one is waited for (each of its steps checks that its cluster and node are still
// wanted, so it stops at the next step boundary).
import type { QueueName } from '@flotilla/queue';
import type { Engine } from './engine.ts';
import { waitFor } from './step.ts';

export async function stopJobs(
  engine: Engine,
  jobs: readonly { queue: QueueName; id: string }[],
): Promise<number> {
  let stopped = 0;
  for (const { queue, id } of jobs) {
    // Wherever it is: the shared queue, or a worker node's own (a pinned cluster).
    const job = await engine.queues.findJob(queue, id);
    if (!job) continue;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed' || state === 'unknown') continue;
    stopped++;
    if (state !== 'active') {
      // A locked job cannot be removed; it then runs, sees the teardown and stops at once.
      await job
        .remove()
        .catch((error) =>
          engine.log.debug({ job: id, err: error }, 'job not removed (it started meanwhile)'),
        );
    }
    await waitFor(async () => ((await job.getState()) === 'active' ? undefined : true), {
      timeoutMs: engine.settings.readyTimeoutMs + 60_000,
      timeoutMessage: () => `job ${id} is still running`,
    });
  }
  return stopped;
}
