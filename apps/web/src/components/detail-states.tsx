import type { ReactNode } from 'react';
import { errorCode } from '../trpc.ts';
import { Empty, ErrorNotice, Loading } from './states.tsx';

/**
 * A detail page whose record is not there (yet): loading, gone (with `back`, the way to the
 * list), or failed with a retry. The page renders this until `query.isSuccess`.
 */
export function DetailStates({
  query,
  noun,
  gone,
  back,
}: {
  query: { isPending: boolean; error: unknown; refetch: () => unknown };
  noun: string;
  /** How it may have gone: "removed", "deleted". */
  gone: string;
  back: ReactNode;
}) {
  if (query.isPending) return <Loading label={`Loading ${noun}…`} />;
  if (errorCode(query.error) === 'NOT_FOUND') {
    return (
      <Empty title={`This ${noun} does not exist (any more)`}>
        <p>
          It may have been {gone}. {back}
        </p>
      </Empty>
    );
  }
  return <ErrorNotice error={query.error} retry={() => query.refetch()} />;
}
