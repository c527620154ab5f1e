// Moving through a long list a page at a time.

/**
 * Previous and Next for a list read with the API's page and limit, shown once there is more than
 * one page. The list answers a bare array (the total is in an X-Total-Count header tRPC does not
 * expose): a full page means there may be more.
 */
export function Pager({
  label,
  page,
  pageSize,
  rowCount,
  busy,
  onPage,
}: {
  label: string;
  page: number;
  pageSize: number;
  rowCount: number;
  /** Fetching: both buttons wait for the page asked for. */
  busy: boolean;
  onPage: (page: number) => void;
}) {
  if (page === 1 && rowCount < pageSize) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button
        type="button"
        className="button button-small"
        disabled={page === 1 || busy}
        onClick={() => onPage(page - 1)}
      >
        Previous
      </button>
      <span>Page {page}</span>
      <button
        type="button"
        className="button button-small"
        disabled={rowCount < pageSize || busy}
        onClick={() => onPage(page + 1)}
      >
        Next
      </button>
    </nav>
  );
}

/** The button under a log read newest first, page after page (an infinite query). */
export function OlderEntries({
  entries,
}: {
  entries: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  if (!entries.hasNextPage) return null;
  return (
    <div className="pager">
      <button
        type="button"
        className="button button-small"
        disabled={entries.isFetchingNextPage}
        onClick={() => entries.fetchNextPage()}
      >
        {entries.isFetchingNextPage ? 'Loading…' : 'Older entries'}
      </button>
    </div>
  );
}
