import type { ReactNode } from 'react';

/**
 * A table with plain column headers (and an unlabelled-looking, screen-reader-named actions
 * column). At phone widths each row becomes a card; cells carry `data-label` for that.
 */
export function Table({
  columns,
  actions = false,
  children,
}: {
  columns: readonly string[];
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className="responsive">
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
