import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
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
import { bareHostname, isPrivateAddress } from './webhooks.core.js';

/** The job kind of a webhook delivery (key: the delivery id). */
export const WEBHOOK_JOB = 'miniapps.webhook_delivery';

interface AttemptResult {
  status: number | null;
  body: string | null;
  error: string | null;
  durationMs: number;
}

/** A connection refused because every address of the host is private. */
class AddressNotAllowed extends Error {}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A DNS lookup for webhook connections that drops private addresses (see webhooks.core),
 * so whatever a host name resolves to at connect time, no private address is reached.
 */
function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, []);
      return;
    }
    const allowed = addresses.filter((a) => !isPrivateAddress(a.address));
    const first = allowed[0];
    if (!first) {
      const found = addresses.map((a) => a.address).join(', ');
      callback(
        new AddressNotAllowed(
          `address not allowed: ${hostname} resolves to ${found}, private addresses (webhooks go to public addresses only)`,
        ),
        [],
      );
      return;
    }
    if (options.all) callback(null, allowed);
    else callback(null, first.address, first.family);
  });
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
    private readonly options: { allowPrivateNetworks?: boolean } = {},
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

  /**
   * POSTs the event: 10 s for the whole exchange, no redirects followed, at most 2 KB of
   * the answer kept. Unless private networks are allowed, an IP-literal host that is private
   * is refused before connecting and a name connects only to its public addresses.
   */
  #post(url: string, eventId: string, body: string, secret: string): Promise<AttemptResult> {
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failed = (error: string): Promise<AttemptResult> =>
      Promise.resolve({ status: null, body: null, error: error.slice(0, 500), durationMs: elapsed() });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return failed('connection failed: the URL is not valid');
    }
    const allowPrivate = this.options.allowPrivateNetworks === true;
    const host = bareHostname(target.hostname);
    if (!allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
      return failed(
        `address not allowed: ${host} is a private address (webhooks go to public addresses only)`,
      );
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<AttemptResult>((resolve) => {
      let done = false;
      const finish = (status: number | null, text: string | null, error: string | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        resolve({ status, body: text, error: error?.slice(0, 500) ?? null, durationMs: elapsed() });
      };
      const req = send(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Jiaozi-Webhooks/1',
          [WEBHOOK_HEADERS.id]: eventId,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(secret, eventId, timestamp, body),
        },
        ...(allowPrivate ? {} : { lookup: publicLookup }),
      });
      const timer = setTimeout(
        () => finish(null, null, `timeout after ${limits.webhookTimeoutSeconds} s`),
        limits.webhookTimeoutSeconds * 1000,
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        finish(
          null,
          null,
          e instanceof AddressNotAllowed ? e.message : `connection failed: ${e.code ?? e.message}`,
        );
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const error = isDelivered(status)
          ? null
          : status >= 300 && status < 400
            ? `redirect ${status} (not followed)`
            : `status ${status}`;
        const chunks: Buffer[] = [];
        let size = 0;
        const end = () => finish(status, truncateBody(Buffer.concat(chunks).toString('utf8')), error);
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.byteLength;
          // Enough of the answer: the rest is let go.
          if (size > limits.webhookResponseBodyMaxBytes) end();
        });
        res.on('end', end);
        res.on('error', end);
      });
      req.end(body);
    });
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
