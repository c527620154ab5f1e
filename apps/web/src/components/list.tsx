// The parts the dashboard's lists share: what shows before and instead of the rows, and a table
// whose column headers may sort it.
import type { ReactNode } from 'react';
import { ErrorNotice, Loading } from './states.tsx';

/**
 * A list's error (with a retry), its loading line, and `children` (an <Empty>) once it has loaded
 * and `empty` holds.
 */
export function ListStates({
  query,
  loading,
  empty,
  children,
}: {
  query: { error: unknown; isPending: boolean; isSuccess: boolean; refetch: () => unknown };
  loading: string;
  empty: boolean;
  children: ReactNode;
}) {
  return (
    <>
      <ErrorNotice error={query.error} retry={() => query.refetch()} />
      {query.isPending && <Loading label={loading} />}
      {query.isSuccess && empty && children}
    </>
  );
}

export type Column<S extends string = string> = {
  label: string;
  numeric?: boolean;
  /** The field the header's button sorts by; without it the header is plain text. */
  sort?: S;
};

export type Sort<S extends string> = {
  field: S;
  order: 'asc' | 'desc';
  /** The header of `field` was pressed. */
  by: (field: S) => void;
};

/**
 * A list as a table named by its (visually hidden) caption. At phone widths each row becomes a
 * card; cells carry `data-label` for that.
 */
export function ListTable<S extends string = string>({
  caption,
  columns,
  sort,
  children,
}: {
  caption: ReactNode;
  columns: readonly (string | Column<S>)[];
  sort?: Sort<S>;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className="responsive">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((entry) => {
              const column = typeof entry === 'string' ? { label: entry } : entry;
              return <Header key={column.label} column={column} sort={sort} />;
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A column's header: a button that sorts by it (the arrow says which way) where it can. */
function Header<S extends string>({ column, sort }: { column: Column<S>; sort?: Sort<S> }) {
  const field = column.sort;
  const current = sort && field === sort.field;
  return (
    <th
      scope="col"
      className={column.numeric ? 'numeric' : undefined}
      aria-sort={current ? (sort.order === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      {sort && field ? (
        <button type="button" onClick={() => sort.by(field)}>
          {column.label}
          {current ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}
        </button>
      ) : (
        column.label
      )}
    </th>
  );
}
