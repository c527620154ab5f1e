// For pages that follow an event stream (cluster.events, stack.events).
import { useEffect, useRef } from 'react';

/**
 * `run` at most once every `ms`, at the end of the wait: events come in bursts and each would
 * re-read the same thing. The pending call is dropped when the page goes.
 */
export function useThrottled(run: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      run();
    }, ms);
  };
}

/** What the page says about its stream (a subscription's status), read out when it changes. */
export function LiveStatus({ status, unavailable }: { status: string; unavailable: string }) {
  return (
    <span className="muted" role="status" aria-live="polite">
      {status === 'pending' ? 'Live' : status === 'error' ? unavailable : 'Connecting…'}
    </span>
  );
}
