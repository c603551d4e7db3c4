import { describe, expect, it } from 'vitest';
import { dayBoundary, HISTORY_CSV_FILENAME, historyCsvPath, historyQuery } from './history.js';

describe('history query', () => {
  it('sends only the filters that are set, in a fixed order', () => {
    expect(historyQuery({})).toBe('');
    expect(historyQuery({}, { limit: 20 })).toBe('?limit=20');
    expect(
      historyQuery(
        { kind: 'transfer', direction: 'out', from: '2026-01-01T00:00:00.000Z', counterparty: 'u 1' },
        { cursor: 'abc=', limit: 20 },
      ),
    ).toBe(
      '?cursor=abc%3D&limit=20&kind=transfer&direction=out&from=2026-01-01T00%3A00%3A00.000Z&counterparty=u+1',
    );
    expect(historyQuery({ kind: undefined, direction: undefined }, { cursor: null })).toBe('');
  });

  it('exports the same filters as CSV, without paging', () => {
    expect(historyCsvPath({})).toBe('/v1/wallet/history.csv');
    expect(historyCsvPath({ kind: 'topup', direction: 'in' })).toBe(
      '/v1/wallet/history.csv?kind=topup&direction=in',
    );
  });

  it('names the CSV file jiaozi-history.csv', () => {
    expect(HISTORY_CSV_FILENAME).toBe('jiaozi-history.csv');
    expect(HISTORY_CSV_FILENAME).toMatch(/^[a-z-]+\.csv$/);
  });

  it('turns picked dates into the local day boundaries', () => {
    const start = dayBoundary('2026-03-04', 'start');
    const end = dayBoundary('2026-03-04', 'end');
    expect(start).toBe(new Date(2026, 2, 4).toISOString());
    expect(end).toBe(new Date(2026, 2, 4, 23, 59, 59, 999).toISOString());
    expect(Date.parse(end as string) - Date.parse(start as string)).toBeGreaterThan(22 * 3600e3);
    expect(dayBoundary('', 'start')).toBeUndefined();
    expect(dayBoundary('04/03/2026', 'end')).toBeUndefined();
  });
});
