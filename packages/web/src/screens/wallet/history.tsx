import { minor } from '@jiaozi/money';
import type { HistoryItem, HistoryKind, MonthlyTotals } from '@jiaozi/protocol';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { formatDateTime } from '../../format.js';
import { useI18n } from '../../i18n/context.js';
import type { Lang } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { pathTo, ROUTES } from '../../routes.js';
import { useSession } from '../../session.js';
import { FormError } from '../../ui/form.js';
import { DownloadIcon, ReceiptIcon } from '../../ui/icons.js';
import { EmptyState, Page } from '../../ui/layout.js';
import { useLoad } from '../../ui/use-load.js';
import {
  dayBoundary,
  HISTORY_CSV_FILENAME,
  HISTORY_DIRECTIONS,
  HISTORY_KINDS,
  HISTORY_PAGE_SIZE,
  type HistoryDirection,
  type HistoryFilters,
} from '../../wallet/history.js';
import { HistoryRow, historyTitle, KindIcon, Spinner, useMoney } from './common.js';

/** Saves a Blob as a file through a temporary object URL and `<a download>`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

interface Feed {
  items: HistoryItem[];
  nextCursor: string | null;
}

export function HistoryScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const [kind, setKind] = useState<HistoryKind | undefined>(undefined);
  const [direction, setDirection] = useState<HistoryDirection | undefined>(undefined);
  const [fromDate, setFromDate] = useState('');
  const [toDate, setToDate] = useState('');
  const [feed, setFeed] = useState<Feed | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const generation = useRef(0);
  const monthly = useLoad(() => api.monthly(6), [api]);
  const fromId = useId();
  const toId = useId();

  const from = dayBoundary(fromDate, 'start');
  const to = dayBoundary(toDate, 'end');
  const filters: HistoryFilters = { kind, direction, from, to };

  const loadFirst = useCallback(() => {
    const mine = ++generation.current;
    setFeed(null);
    setError(null);
    api.history({ kind, direction, from, to }, { limit: HISTORY_PAGE_SIZE }).then(
      (page) => {
        if (mine === generation.current) setFeed({ items: page.items, nextCursor: page.nextCursor });
      },
      (caught: unknown) => {
        if (mine === generation.current) setError(caught);
      },
    );
  }, [api, kind, direction, from, to]);

  useEffect(() => {
    loadFirst();
    return () => {
      generation.current += 1;
    };
  }, [loadFirst]);

  const loadMore = () => {
    if (!feed?.nextCursor || loadingMore) return;
    const mine = generation.current;
    setLoadingMore(true);
    setError(null);
    api.history(filters, { cursor: feed.nextCursor, limit: HISTORY_PAGE_SIZE }).then(
      (page) => {
        if (mine !== generation.current) return;
        setFeed((current) => {
          const seen = new Set(current?.items.map((item) => item.id));
          return {
            items: [...(current?.items ?? []), ...page.items.filter((item) => !seen.has(item.id))],
            nextCursor: page.nextCursor,
          };
        });
        setLoadingMore(false);
      },
      (caught: unknown) => {
        if (mine !== generation.current) return;
        setError(caught);
        setLoadingMore(false);
      },
    );
  };

  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      saveBlob(await api.historyCsv(filters), HISTORY_CSV_FILENAME);
    } catch (caught) {
      setExportError(caught);
    } finally {
      setExporting(false);
    }
  };

  const exportButton = (
    <button
      type="button"
      className="topbar-action"
      data-testid="history-export"
      disabled={exporting}
      aria-busy={exporting}
      onClick={() => void exportCsv()}
    >
      {exporting ? <span className="spinner spinner-dark" aria-hidden="true" /> : <DownloadIcon size={18} />}
      <span>{exporting ? t('history.exporting') : t('history.export')}</span>
    </button>
  );

  return (
    <Page title={t('history.title')} back={ROUTES.wallet} action={exportButton}>
      {monthly.data && monthly.data.months.length > 0 ? <MonthlyChart totals={monthly.data} /> : null}

      <section className="card history-filters" aria-label={t('history.filters')}>
        <fieldset className="chips">
          <legend className="visually-hidden">{t('detail.type')}</legend>
          <Chip
            testId="history-filter-kind-all"
            pressed={kind === undefined}
            onClick={() => setKind(undefined)}
          >
            {t('history.all')}
          </Chip>
          {HISTORY_KINDS.map((k) => (
            <Chip
              key={k}
              testId={`history-filter-kind-${k}`}
              pressed={kind === k}
              onClick={() => setKind(kind === k ? undefined : k)}
            >
              {t(`history.kind_${k}`)}
            </Chip>
          ))}
        </fieldset>
        <fieldset className="chips">
          <legend className="visually-hidden">{t('history.filters')}</legend>
          <Chip
            testId="history-filter-direction-all"
            pressed={direction === undefined}
            onClick={() => setDirection(undefined)}
          >
            {t('history.all')}
          </Chip>
          {HISTORY_DIRECTIONS.map((d) => (
            <Chip
              key={d}
              testId={`history-filter-direction-${d}`}
              pressed={direction === d}
              onClick={() => setDirection(direction === d ? undefined : d)}
            >
              {t(`history.direction_${d}`)}
            </Chip>
          ))}
        </fieldset>
        <div className="date-range">
          <div className="date-field">
            <label className="field-label" htmlFor={fromId}>
              {t('history.from')}
            </label>
            <input
              id={fromId}
              type="date"
              className="input input-date"
              value={fromDate}
              max={toDate || undefined}
              onChange={(event) => setFromDate(event.target.value)}
              data-testid="history-from"
            />
          </div>
          <div className="date-field">
            <label className="field-label" htmlFor={toId}>
              {t('history.to')}
            </label>
            <input
              id={toId}
              type="date"
              className="input input-date"
              value={toDate}
              min={fromDate || undefined}
              onChange={(event) => setToDate(event.target.value)}
              data-testid="history-to"
            />
          </div>
          {fromDate || toDate ? (
            <button
              type="button"
              className="link-button"
              data-testid="history-clear-dates"
              onClick={() => {
                setFromDate('');
                setToDate('');
              }}
            >
              {t('history.clear_dates')}
            </button>
          ) : null}
        </div>
      </section>

      <FormError error={exportError ?? error} />
      {feed === null ? (
        error ? (
          <button type="button" className="button button-secondary button-block" onClick={loadFirst}>
            {t('common.retry')}
          </button>
        ) : (
          <Spinner label={t('common.loading')} />
        )
      ) : feed.items.length === 0 ? (
        <div className="card">
          <EmptyState icon={<ReceiptIcon size={36} />} title={t('history.empty')} />
        </div>
      ) : (
        <>
          <div className="list" data-testid="history-list">
            {feed.items.map((item) => (
              <HistoryRow key={item.id} item={item} />
            ))}
          </div>
          {feed.nextCursor ? (
            <button
              type="button"
              className="button button-secondary button-block"
              data-testid="history-load-more"
              disabled={loadingMore}
              aria-busy={loadingMore}
              onClick={loadMore}
            >
              {loadingMore ? t('history.loading_more') : t('history.load_more')}
            </button>
          ) : (
            <p className="list-end" data-testid="history-end">
              {t('history.end')}
            </p>
          )}
        </>
      )}
    </Page>
  );
}

function Chip({
  testId,
  pressed,
  onClick,
  children,
}: {
  testId: string;
  pressed: boolean;
  onClick: () => void;
  children: string;
}) {
  return (
    <button type="button" className="chip" aria-pressed={pressed} data-testid={testId} onClick={onClick}>
      {children}
    </button>
  );
}

/** "2026-03" → "Mar" (or "3月"). */
function monthLabel(month: string, lang: Lang): string {
  const match = /^(\d{4})-(\d{2})/.exec(month);
  if (!match) return month;
  return new Intl.DateTimeFormat(lang, { month: 'short' }).format(
    new Date(Number(match[1]), Number(match[2]) - 1, 1),
  );
}

/** Bar height in whole percent of the largest month, from exact integer arithmetic. */
function percentOf(value: number, max: bigint): number {
  if (max <= 0n) return 0;
  const v = minor(value);
  if (v <= 0n) return 0;
  return Math.max(2, Number((v * 100n) / max));
}

function MonthlyChart({ totals }: { totals: MonthlyTotals }) {
  const { t, lang } = useI18n();
  const money = useMoney();
  let max = 0n;
  for (const m of totals.months) {
    const inMinor = minor(m.inMinor);
    const outMinor = minor(m.outMinor);
    if (inMinor > max) max = inMinor;
    if (outMinor > max) max = outMinor;
  }
  const latest = totals.months.at(-1);
  return (
    <section className="card monthly" data-testid="history-monthly">
      <div className="monthly-head">
        <h2 className="monthly-title">{t('history.monthly')}</h2>
        {latest ? (
          <p className="monthly-latest">
            <span className="monthly-key monthly-key-in" aria-hidden="true" />
            {t('history.monthly_in')} {money.format(latest.inMinor)}
            <span className="monthly-key monthly-key-out" aria-hidden="true" />
            {t('history.monthly_out')} {money.format(latest.outMinor)}
          </p>
        ) : null}
      </div>
      <ol className="monthly-bars">
        {totals.months.map((m) => (
          <li
            key={m.month}
            className="monthly-month"
            aria-label={t('history.monthly_bar', {
              month: monthLabel(m.month, lang),
              in: money.format(m.inMinor),
              out: money.format(m.outMinor),
            })}
          >
            <span className="monthly-pair" aria-hidden="true">
              <span
                className="monthly-bar monthly-bar-in"
                style={{ height: `${percentOf(m.inMinor, max)}%` }}
              />
              <span
                className="monthly-bar monthly-bar-out"
                style={{ height: `${percentOf(m.outMinor, max)}%` }}
              />
            </span>
            <span className="monthly-label" aria-hidden="true">
              {monthLabel(m.month, lang)}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function HistoryItemScreen({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const money = useMoney();
  const item = useLoad(() => api.historyItem(id), [api, id]);
  const data = item.data;
  return (
    <Page title={t('detail.title')} back={ROUTES.walletHistory}>
      <FormError error={item.error} />
      {data === null ? (
        item.error ? (
          <button type="button" className="button button-secondary button-block" onClick={item.reload}>
            {t('common.retry')}
          </button>
        ) : (
          <Spinner label={t('common.loading')} />
        )
      ) : (
        <>
          <section className="card detail-head" data-testid="history-detail" data-id={data.id}>
            <KindIcon kind={data.kind} size={26} />
            <p className="detail-counterparty">{historyTitle(data, t)}</p>
            <p
              className={`detail-amount history-amount-${data.direction}`}
              data-testid="history-detail-amount"
              data-amount={data.amountMinor}
              data-direction={data.direction}
            >
              {money.signed(data.amountMinor, data.direction, data.currency)}
            </p>
            <p
              className={`pill detail-status detail-status-${data.status}`}
              data-testid="history-detail-status"
              data-status={data.status}
            >
              {t(`history.status_${data.status}`)}
            </p>
          </section>
          <dl className="list detail-list">
            <DetailRow label={t('detail.type')} value={t(`history.kind_${data.kind}`)} />
            <DetailRow
              label={data.direction === 'in' ? t('detail.from') : t('detail.to')}
              value={
                data.counterparty
                  ? `${data.counterparty.displayName}${data.counterparty.username ? ` (@${data.counterparty.username})` : ''}`
                  : data.counterpartyLabel || t('history.bank')
              }
              testId="history-detail-counterparty"
            />
            {data.note ? (
              <DetailRow label={t('detail.note')} value={data.note} testId="history-detail-note" />
            ) : null}
            <DetailRow label={t('detail.time')} value={formatDateTime(data.createdAt, lang)} />
            {data.balanceAfterMinor !== null ? (
              <DetailRow
                label={t('detail.balance_after')}
                value={money.format(data.balanceAfterMinor, data.currency)}
                testId="history-detail-balance-after"
              />
            ) : null}
            {data.reference && data.reference.type !== 'conversation' ? (
              <DetailRow
                label={t('detail.reference')}
                value={`${data.reference.type} · ${data.reference.id}`}
                testId="history-detail-reference"
                mono
              />
            ) : null}
            <DetailRow label={t('detail.id')} value={data.id} mono />
          </dl>
          {data.reference?.type === 'conversation' ? (
            <Link
              to={pathTo('conversation', { conversationId: data.reference.id })}
              className="button button-secondary"
              data-testid="history-open-chat"
            >
              {t('history.open_chat')}
            </Link>
          ) : null}
        </>
      )}
    </Page>
  );
}

function DetailRow({
  label,
  value,
  testId,
  mono = false,
}: {
  label: string;
  value: string;
  testId?: string;
  mono?: boolean;
}) {
  return (
    <div className="detail-row">
      <dt className="detail-label">{label}</dt>
      <dd className={mono ? 'detail-value detail-mono' : 'detail-value'} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
