/** The runs table's filters and sort order, kept in sessionStorage for the session. */
import { EMPTY_FILTER, type RunFilter, type SortDirection, type SortKey } from './runs-table';

export interface TableView {
  filter: RunFilter;
  sortKey: SortKey;
  sortDirection: SortDirection;
}

const KEY = 'dlrm-studio.runs-table';
const DEFAULT_VIEW: TableView = { filter: { ...EMPTY_FILTER }, sortKey: 'createdAt', sortDirection: 'desc' };

export function loadTableView(): TableView {
  try {
    const stored = JSON.parse(window.sessionStorage.getItem(KEY) ?? 'null') as Partial<TableView> | null;
    if (!stored || typeof stored !== 'object') return structuredClone(DEFAULT_VIEW);
    return {
      filter: { ...EMPTY_FILTER, ...(stored.filter ?? {}) },
      sortKey: stored.sortKey ?? DEFAULT_VIEW.sortKey,
      sortDirection: stored.sortDirection === 'asc' ? 'asc' : 'desc',
    };
  } catch {
    return structuredClone(DEFAULT_VIEW);
  }
}

export function saveTableView(view: TableView): void {
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(view));
  } catch {
    // Not remembered when storage is unavailable.
  }
}
