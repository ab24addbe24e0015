export interface Meta {
  'record-count': number;
  'page-count': number;
}

/** Previous / Next over a paginated list, with where we are. */
export function Pagination({
  meta,
  page,
  onPage,
  noun,
}: {
  meta: Meta | undefined;
  page: number;
  onPage: (page: number) => void;
  noun: [string, string];
}) {
  if (!meta) return null;
  const count = meta['record-count'];
  const pages = Math.max(meta['page-count'], 1);
  return (
    <nav class="pagination" aria-label="Pagination">
      <span class="muted">
        {count} {count === 1 ? noun[0] : noun[1]} · page {Math.min(page, pages)} of {pages}
      </span>
      <span class="pagination-buttons">
        <button type="button" class="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
          Previous
        </button>
        <button type="button" class="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
          Next
        </button>
      </span>
    </nav>
  );
}
