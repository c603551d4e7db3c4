import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import { assert } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { hmacHex } from '../platform/secrets/secrets.js';

/** What the bank tells us, later, about a charge (top-up) or a payout (withdrawal). */
export interface BankCallback {
  operationId: string;
  kind: 'charge' | 'payout';
  status: 'succeeded' | 'failed';
  reason: string | null;
  amountMinor: string;
  currency: string;
  at: string;
}

export interface BankRequest {
  operationId: string;
  cardToken: string;
  amountMinor: bigint;
  currency: string;
}

/**
 * The edge of the world we cannot reach: a bank. Requests are accepted at once; the outcome
 * arrives later as a signed callback to `POST /v1/bank/callbacks` (maybe twice).
 */
export interface BankGateway {
  /** Registers a card with the bank; we keep only the token and the last four digits. */
  tokenizeCard(cardNumber: string): Promise<string>;
  charge(request: BankRequest): Promise<void>;
  payout(request: BankRequest): Promise<void>;
}

export const BANK_SIGNATURE_HEADER = 'x-bank-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function signBankCallback(secret: Buffer, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, `${unixSeconds}.${body}`)}`;
}

export function parseBankSignature(header: string | undefined): { t: number; v1: string } | null {
  if (!header) return null;
  const parts = Object.fromEntries(
    header.split(',').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== 'string' || !/^[0-9a-f]{64}$/.test(parts.v1)) return null;
  return { t, v1: parts.v1 };
}

/** Test cards of the simulated bank, by last four digits. */
export const TEST_CARD_OUTCOMES: Record<string, string> = {
  '0002': 'card_declined',
  '0069': 'expired_card',
  '0119': 'bank_unavailable',
};

export interface SimulatedBankOptions {
  latencyMinMs: number;
  latencyMaxMs: number;
  /** Share of requests that fail for no visible reason (0–1). */
  failureRate: number;
  /** Share of callbacks delivered twice (0–1). */
  duplicateRate: number;
  random: () => number;
  /** The only currency the bank moves (the live one); null takes any. */
  currency: string | null;
}

export type Deliver = (body: string, signature: string) => Promise<number>;

/**
 * A bank that behaves like one: it answers later, sometimes fails, sometimes calls back
 * twice, signs what it sends, and retries delivery with backoff when we do not take it.
 */
export class SimulatedBankGateway implements BankGateway {
  readonly #options: SimulatedBankOptions;
  readonly #inFlight = new Set<Promise<void>>();
  /** A bank takes each operation id once, like an idempotency key. */
  readonly #seen = new Set<string>();
  #deliver: Deliver | undefined;
  #closed = false;

  constructor(
    private readonly secret: () => Promise<Buffer>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: Partial<SimulatedBankOptions> = {},
  ) {
    this.#options = {
      latencyMinMs: 300,
      latencyMaxMs: 1500,
      failureRate: 0,
      duplicateRate: 0.1,
      random: Math.random,
      currency: null,
      ...options,
    };
  }

  /** Where callbacks go: the server's own callback route. */
  connect(deliver: Deliver): void {
    this.#deliver = deliver;
  }

  async tokenizeCard(cardNumber: string): Promise<string> {
    const digest = createHash('sha256').update(cardNumber).update(randomBytes(8)).digest('hex').slice(0, 24);
    return `sim_${digest}_${cardNumber.slice(-4)}`;
  }

  charge(request: BankRequest): Promise<void> {
    this.#schedule('charge', request);
    return Promise.resolve();
  }

  payout(request: BankRequest): Promise<void> {
    // Money that is not real (test XTS) must never leave through a bank.
    const live = this.#options.currency;
    assert(
      live === null || request.currency === live,
      `a bank payout is in ${live}, not ${request.currency}`,
    );
    this.#schedule('payout', request);
    return Promise.resolve();
  }

  /** Resolves when every callback scheduled so far has been delivered (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  close(): void {
    this.#closed = true;
  }

  #schedule(kind: BankCallback['kind'], request: BankRequest): void {
    if (this.#seen.has(request.operationId)) return;
    this.#seen.add(request.operationId);
    const o = this.#options;
    const latency = o.latencyMinMs + Math.floor(o.random() * Math.max(0, o.latencyMaxMs - o.latencyMinMs));
    const last4 = request.cardToken.slice(-4);
    const reason = TEST_CARD_OUTCOMES[last4] ?? (o.random() < o.failureRate ? 'bank_error' : null);
    const callback: BankCallback = {
      operationId: request.operationId,
      kind,
      status: reason ? 'failed' : 'succeeded',
      reason,
      amountMinor: request.amountMinor.toString(),
      currency: request.currency,
      at: '',
    };
    const twice = o.random() < o.duplicateRate;
    const task = (async () => {
      await sleep(latency);
      await this.#send({ ...callback, at: this.clock.now().toISOString() });
      if (twice) await this.#send({ ...callback, at: this.clock.now().toISOString() });
    })();
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
  }

  async #send(callback: BankCallback): Promise<void> {
    const body = JSON.stringify(callback);
    for (let attempt = 0; attempt < 6 && !this.#closed; attempt++) {
      try {
        const deliver = this.#deliver;
        if (!deliver) throw new Error('the bank has nowhere to call back');
        const signature = signBankCallback(
          await this.secret(),
          body,
          Math.floor(this.clock.now().getTime() / 1000),
        );
        const status = await deliver(body, signature);
        if (status >= 200 && status < 300) return;
        this.logger.warn({ status, operationId: callback.operationId }, 'bank callback refused; retrying');
      } catch (error) {
        this.logger.warn({ err: error, operationId: callback.operationId }, 'bank callback failed; retrying');
      }
      await sleep(100 * 2 ** attempt);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
