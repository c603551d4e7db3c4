import type { HistoryKind } from '@jiaozi/protocol';

export const HISTORY_KINDS = [
  'topup',
  'withdrawal',
  'transfer',
  'paycode',
  'fund',
] as const satisfies readonly HistoryKind[];
export const HISTORY_DIRECTIONS = ['in', 'out'] as const;
export type HistoryDirection = (typeof HISTORY_DIRECTIONS)[number];

/** The filters of GET /v1/wallet/history and history.csv. `from`/`to` are ISO timestamps. */
export interface HistoryFilters {
  kind?: HistoryKind | undefined;
  direction?: HistoryDirection | undefined;
  from?: string | undefined;
  to?: string | undefined;
  counterparty?: string | undefined;
}

export const HISTORY_PAGE_SIZE = 20;

/** The file name of the CSV export. */
export const HISTORY_CSV_FILENAME = 'jiaozi-history.csv';

/** "?cursor=…&limit=20&kind=transfer": only the parameters that are set, in a fixed order. */
export function historyQuery(
  filters: HistoryFilters,
  page: { cursor?: string | null | undefined; limit?: number | undefined } = {},
): string {
  const params = new URLSearchParams();
  if (page.cursor) params.set('cursor', page.cursor);
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  if (filters.kind) params.set('kind', filters.kind);
  if (filters.direction) params.set('direction', filters.direction);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.counterparty) params.set('counterparty', filters.counterparty);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/** The CSV export of exactly what the list shows (same filters, no paging). */
export function historyCsvPath(filters: HistoryFilters): string {
  return `/v1/wallet/history.csv${historyQuery(filters)}`;
}

/**
 * A date picked in an `<input type="date">` ("2026-03-04", local time) as the ISO instant the
 * range starts at: local midnight for `from`, the last millisecond of that day for `to`.
 */
export function dayBoundary(date: string, edge: 'start' | 'end'): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const [, y, m, d] = match;
  const local =
    edge === 'start'
      ? new Date(Number(y), Number(m) - 1, Number(d), 0, 0, 0, 0)
      : new Date(Number(y), Number(m) - 1, Number(d), 23, 59, 59, 999);
  return Number.isNaN(local.getTime()) ? undefined : local.toISOString();
}
