import type { TrafficEntry } from './dispatcher.js';

/** The most calls the simulator's panel keeps. */
export const TRAFFIC_MAX = 200;

/** One line of the panel: a call, and its answer once it came. */
export interface TrafficRow {
  key: string;
  id: TrafficEntry['id'];
  method: string;
  params: unknown;
  startedAt: number;
  durationMs: number | null;
  outcome: 'pending' | 'ok' | 'error';
  result?: unknown;
  errorCode?: string;
  errorMessage?: string;
}

/**
 * The panel's rows after `entry`: a new call is added at the top; an answer completes the row
 * of the same id and start time (ids are the app's own and may repeat).
 */
export function addTraffic(rows: readonly TrafficRow[], entry: TrafficEntry): TrafficRow[] {
  const key = `${entry.startedAt}:${String(entry.id)}:${entry.method}`;
  if (entry.durationMs === null) {
    const row: TrafficRow = {
      key: `${key}:${rows.length}`,
      id: entry.id,
      method: entry.method,
      params: entry.params,
      startedAt: entry.startedAt,
      durationMs: null,
      outcome: 'pending',
    };
    return [row, ...rows].slice(0, TRAFFIC_MAX);
  }
  const index = rows.findIndex((r) => r.outcome === 'pending' && r.key.startsWith(`${key}:`));
  const done: TrafficRow = {
    ...(index >= 0
      ? (rows[index] as TrafficRow)
      : {
          key: `${key}:${rows.length}`,
          id: entry.id,
          method: entry.method,
          params: entry.params,
          startedAt: entry.startedAt,
        }),
    durationMs: entry.durationMs,
    outcome: entry.error ? 'error' : 'ok',
  } as TrafficRow;
  if (entry.error) {
    done.errorCode = String(entry.error.data.code);
    done.errorMessage = entry.error.message;
  } else done.result = entry.result;
  if (index < 0) return [done, ...rows].slice(0, TRAFFIC_MAX);
  const next = [...rows];
  next[index] = done;
  return next;
}

/** A short, readable rendering of params or a result (byte buffers shown by size). */
export function describeValue(value: unknown, max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) =>
      v instanceof ArrayBuffer
        ? `[${v.byteLength} bytes]`
        : ArrayBuffer.isView(v)
          ? `[${v.byteLength} bytes]`
          : v,
    );
  } catch {
    text = String(value);
  }
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
