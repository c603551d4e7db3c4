import {
  type MerchantMode,
  WEBHOOK_HEADERS,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookDeliveryList,
  type WebhookEvent,
  type WebhookEventDataMap,
  type WebhookEventType,
} from '@jiaozi/protocol';
import type { Transaction } from 'kysely';
import type { Clock } from '../kernel/clock.js';
import { assert, DomainError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import * as limits from '../kernel/limits.js';
import type { Logger } from '../kernel/logger.js';
import type { Database } from '../platform/db/schema.js';
import { type Job, type JobOutcome, scheduleJob } from '../platform/jobs/jobs.js';
import { isDelivered, retryDelaySeconds, signWebhook, truncateBody } from './payments.core.js';
import type { AttemptRow, DeliveryRow, Mode, PayingApp, PaymentsRepository } from './payments.repository.js';

/** The job kind of a webhook delivery (key: the delivery id). */
export const WEBHOOK_JOB = 'miniapps.webhook_delivery';

interface AttemptResult {
  status: number | null;
  body: string | null;
  error: string | null;
  durationMs: number;
}

/** Reads at most `max` bytes of a response body, then lets the rest go. */
async function readSome(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return truncateBody(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Webhooks: events are written in the business transaction that caused them, each with a
 * delivery per endpoint and a durable job; the job POSTs the event signed the Standard
 * Webhooks way and, on anything but a 2xx, comes back on the retry schedule with the same
 * `webhook-id`. Every attempt is logged.
 */
export class WebhookService {
  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly repo: PaymentsRepository,
    private readonly options: { fetch?: typeof fetch } = {},
  ) {}

  /**
   * Writes an event inside the caller's transaction and schedules its delivery to the app's
   * webhook URL, if it has one. The event number
   * locks the app's event head until commit, so numbers become visible in order.
   */
  async writeEvent<T extends WebhookEventType>(
    trx: Transaction<Database>,
    app: PayingApp,
    mode: Mode,
    type: T,
    data: WebhookEventDataMap[T],
  ): Promise<WebhookEvent> {
    const now = this.clock.now();
    const event = {
      id: `evt_${newId(this.clock)}`,
      type,
      createdAt: now.toISOString(),
      mode: mode as MerchantMode,
      data,
    } as WebhookEvent;
    const seq = await this.repo.nextEventSeq(trx, app.id, mode);
    await this.repo.insertEvent(trx, {
      id: event.id,
      app_id: app.id,
      mode,
      seq,
      type,
      body: JSON.stringify(event),
      created_at: now,
    });
    if (app.webhook_url) {
      const deliveryId = `dlv_${newId(this.clock)}`;
      await this.repo.insertDelivery(trx, {
        id: deliveryId,
        app_id: app.id,
        event_id: event.id,
        url: app.webhook_url,
        status: 'pending',
        attempt_count: 0,
        next_attempt_at: now,
        last_attempt_at: null,
        created_at: now,
      });
      await scheduleJob(trx, { kind: WEBHOOK_JOB, key: deliveryId, runAt: now }, now);
    }
    return event;
  }

  /** The job: one scheduled attempt, then the next on the schedule or the end. */
  async runJob(job: Job): Promise<JobOutcome> {
    const delivery = await this.repo.findDelivery(job.key);
    if (delivery?.status !== 'pending') return undefined;
    const event = await this.repo.findEvent(delivery.event_id);
    assert(event, 'a delivery has its event');
    const app = await this.repo.app(delivery.app_id);
    if (!app) return undefined;
    const startedAt = this.clock.now();
    const result = await this.#post(delivery.url, event.id, event.body, app.webhook_secret);
    const scheduled = (await this.repo.scheduledAttempts(delivery.id)) + 1;
    const ok = isDelivered(result.status);
    const delay = ok ? null : retryDelaySeconds(scheduled);
    const nextAttemptAt = delay === null ? null : new Date(this.clock.now().getTime() + delay * 1000);
    const updated = await this.repo.recordAttempt(
      {
        delivery_id: delivery.id,
        url: delivery.url,
        response_status: result.status,
        response_body: result.body,
        duration_ms: result.durationMs,
        error: result.error,
        manual: false,
        started_at: startedAt,
      },
      { status: ok ? 'succeeded' : nextAttemptAt ? 'pending' : 'failed', nextAttemptAt },
    );
    // A resend may have delivered it while this attempt was out: then it is done.
    const again = updated.status === 'pending' ? nextAttemptAt : null;
    if (!ok) {
      this.logger.info(
        { deliveryId: delivery.id, eventId: event.id, attempt: scheduled, error: result.error },
        again ? 'webhook not delivered; it will be retried' : 'webhook not delivered; no retry',
      );
    }
    return again ? { runAgainAt: again } : undefined;
  }

  async #post(url: string, eventId: string, body: string, secret: string): Promise<AttemptResult> {
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await (this.options.fetch ?? fetch)(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(limits.webhookTimeoutSeconds * 1000),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Jiaozi-Webhooks/1',
          [WEBHOOK_HEADERS.id]: eventId,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(secret, eventId, timestamp, body),
        },
        body,
      });
      const text = await readSome(res, limits.webhookResponseBodyMaxBytes);
      const error = isDelivered(res.status)
        ? null
        : res.status >= 300 && res.status < 400
          ? `redirect ${res.status} (not followed)`
          : `status ${res.status}`;
      return { status: res.status, body: text, error, durationMs: elapsed() };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const reason =
        err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `timeout after ${limits.webhookTimeoutSeconds} s`
          : `connection failed: ${err.cause?.code ?? err.cause?.message ?? err.message}`;
      return { status: null, body: null, error: reason.slice(0, 500), durationMs: elapsed() };
    }
  }

  // ── Developer console ────────────────────────────────────────────────────

  async #ownedApp(developerId: string, appId: string): Promise<PayingApp> {
    const app = await this.repo.app(appId);
    if (!app || app.developer_id !== developerId) throw new DomainError('not_found', 'No such app.');
    return app;
  }

  /** The app's deliveries, newest first, with their attempts. */
  async deliveries(
    developerId: string,
    appId: string,
    cursor: string | undefined,
  ): Promise<WebhookDeliveryList> {
    await this.#ownedApp(developerId, appId);
    if (cursor !== undefined && !/^dlv_[0-9a-f-]{36}$/.test(cursor)) {
      throw new DomainError('invalid_request', 'The cursor is not valid.', { path: '/querystring/cursor' });
    }
    const max = limits.webhookDeliveriesPageMax;
    const rows = await this.repo.deliveriesOf(appId, cursor ?? null, max + 1);
    const page = rows.slice(0, max);
    const attempts = await this.repo.attemptsOf(
      page.map((r) => r.id),
      limits.webhookAttemptsShownMax,
    );
    const last = page[page.length - 1];
    return {
      deliveries: page.map((r) => toDelivery(r, r.type, r.mode, attempts)),
      nextCursor: rows.length > max && last ? last.id : null,
    };
  }

  /**
   * Sends the event again now, as a new attempt with the same `webhook-id`, to the app's
   * current webhook URL. A success ends a delivery still pending or failed.
   */
  async resend(developerId: string, appId: string, deliveryId: string): Promise<WebhookDelivery> {
    const app = await this.#ownedApp(developerId, appId);
    const delivery = await this.repo.findDelivery(deliveryId);
    if (!delivery || delivery.app_id !== appId) throw new DomainError('not_found', 'No such delivery.');
    if (!app.webhook_url) {
      throw new DomainError('webhook_url_missing', 'The app has no webhook URL to deliver to.');
    }
    const event = await this.repo.findEvent(delivery.event_id);
    assert(event, 'a delivery has its event');
    const startedAt = this.clock.now();
    const result = await this.#post(app.webhook_url, event.id, event.body, app.webhook_secret);
    const ok = isDelivered(result.status);
    const updated = await this.repo.recordAttempt(
      {
        delivery_id: delivery.id,
        url: app.webhook_url,
        response_status: result.status,
        response_body: result.body,
        duration_ms: result.durationMs,
        error: result.error,
        manual: true,
        started_at: startedAt,
      },
      ok ? { status: 'succeeded', nextAttemptAt: null } : null,
    );
    const attempts = await this.repo.attemptsOf([updated.id], limits.webhookAttemptsShownMax);
    return toDelivery(updated, event.type, event.mode, attempts);
  }
}

function toAttempt(a: AttemptRow): WebhookAttempt {
  return {
    number: a.number,
    url: a.url,
    responseStatus: a.response_status,
    responseBody: a.response_body,
    durationMs: a.duration_ms,
    error: a.error,
    manual: a.manual,
    startedAt: a.started_at.toISOString(),
  };
}

function toDelivery(
  r: DeliveryRow,
  type: string,
  mode: Mode,
  attempts: readonly AttemptRow[],
): WebhookDelivery {
  return {
    id: r.id,
    appId: r.app_id,
    eventId: r.event_id,
    eventType: type as WebhookEventType,
    mode,
    url: r.url,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.status === 'pending' ? (r.next_attempt_at?.toISOString() ?? null) : null,
    lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    attempts: attempts.filter((a) => a.delivery_id === r.id).map(toAttempt),
  };
}
