import { connect, ui } from '@jiaozi/sdk';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Catalog, SessionResponse, ShopOrder } from '../shared/api.js';
import { httpShopApi, ShopApiError } from './logic/api.js';
import {
  addToCart,
  type Cart,
  cartCount,
  cartTotalMinor,
  knownLines,
  loadCart,
  saveCart,
  setQuantity,
} from './logic/cart.js';
import {
  type CheckoutOutcome,
  checkout,
  formatMinor,
  parseMinor,
  refund,
  shareShop,
} from './logic/checkout.js';
import { logIn } from './logic/session.js';

const api = httpShopApi();

type Route = { name: 'catalog' } | { name: 'cart' } | { name: 'orders' } | { name: 'order'; id: string };

function parseRoute(pathname: string): Route {
  if (pathname === '/cart') return { name: 'cart' };
  if (pathname === '/orders') return { name: 'orders' };
  const order = /^\/orders\/([\w-]+)$/.exec(pathname);
  if (order?.[1] !== undefined) return { name: 'order', id: order[1] };
  return { name: 'catalog' };
}

function pathOf(route: Route): string {
  return route.name === 'catalog' ? '/' : route.name === 'order' ? `/orders/${route.id}` : `/${route.name}`;
}

function message(error: unknown): string {
  if (error instanceof ShopApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname));
  const [hosted, setHosted] = useState<'connecting' | 'yes' | 'no'>('connecting');
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [cart, setCart] = useState<Cart>([]);
  const [session, setSession] = useState<SessionResponse | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const go = useCallback((next: Route) => {
    history.pushState(null, '', pathOf(next));
    setRoute(next);
  }, []);

  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    api.catalog().then(setCatalog, (error) => setNotice(message(error)));
    connect()
      .then(async () => {
        setHosted('yes');
        setCart(await loadCart());
        await ui.setTitle('Jiaozi Shop');
      })
      .catch(() => setHosted('no'));
  }, []);

  const updateCart = useCallback(async (next: Cart) => {
    setCart(next);
    await saveCart(next);
  }, []);

  const ensureSession = useCallback(async (): Promise<SessionResponse> => {
    if (session !== null) return session;
    const created = await logIn(api);
    setSession(created);
    return created;
  }, [session]);

  const run = useCallback(async (task: () => Promise<void>) => {
    setBusy(true);
    setNotice(null);
    try {
      await task();
    } catch (error) {
      // An expired session: the next action logs in again.
      if (error instanceof ShopApiError && error.code === 'unauthenticated') setSession(null);
      setNotice(message(error));
    } finally {
      setBusy(false);
    }
  }, []);

  const products = catalog?.products ?? [];
  const currency = catalog?.currency ?? 'CNY';
  const lines = useMemo(() => knownLines(cart, products), [cart, products]);

  const onCheckout = () =>
    run(async () => {
      const current = await ensureSession();
      const outcome: CheckoutOutcome = await checkout(api, current, lines);
      if (outcome.kind === 'paid') {
        setCart([]);
        go({ name: 'order', id: outcome.order.id });
      } else if (outcome.kind === 'cancelled') {
        setNotice('Payment cancelled. Your cart is still here.');
      } else {
        setNotice(`Payment failed: ${outcome.message}`);
      }
    });

  return (
    <div className="shop">
      <header className="bar">
        <button type="button" className="brand" onClick={() => go({ name: 'catalog' })}>
          Jiaozi Shop
        </button>
        <nav>
          <button type="button" onClick={() => go({ name: 'orders' })}>
            Orders
          </button>
          <button type="button" data-testid="cart-link" onClick={() => go({ name: 'cart' })}>
            Cart ({cartCount(lines)})
          </button>
        </nav>
      </header>
      <div className="account">
        {session === null ? (
          <button
            type="button"
            data-testid="login"
            disabled={busy || hosted !== 'yes'}
            onClick={() => run(async () => void (await ensureSession()))}
          >
            Log in with Jiaozi
          </button>
        ) : (
          <span data-testid="greeting">Hello, {session.displayName ?? 'shopper'}</span>
        )}
        {hosted === 'yes' && (
          <button type="button" className="link" onClick={() => run(async () => void (await shareShop()))}>
            Share
          </button>
        )}
      </div>
      {hosted === 'no' && <p className="notice">Open this shop inside Jiaozi to log in and pay.</p>}
      {notice !== null && (
        <p className="notice" role="alert">
          {notice}
        </p>
      )}
      <main>
        {route.name === 'catalog' && (
          <ul className="grid">
            {products.map((p) => (
              <li key={p.id} className="card">
                <span className="emoji" aria-hidden="true">
                  {p.emoji}
                </span>
                <strong>{p.name}</strong>
                <small>{p.description}</small>
                <span className="price">{formatMinor(p.priceMinor, currency)}</span>
                <button
                  type="button"
                  data-testid={`add-${p.id}`}
                  disabled={hosted !== 'yes'}
                  onClick={() => run(() => updateCart(addToCart(lines, p.id)))}
                >
                  Add to cart
                </button>
              </li>
            ))}
          </ul>
        )}
        {route.name === 'cart' && (
          <section>
            <h1>Cart</h1>
            {lines.length === 0 && <p>Your cart is empty.</p>}
            <ul className="lines">
              {lines.map((line) => {
                const product = products.find((p) => p.id === line.productId);
                if (product === undefined) return null;
                return (
                  <li key={line.productId}>
                    <span>
                      {product.emoji} {product.name}
                    </span>
                    <span className="qty">
                      <button
                        type="button"
                        aria-label="Fewer"
                        onClick={() =>
                          run(() => updateCart(setQuantity(lines, line.productId, line.quantity - 1)))
                        }
                      >
                        −
                      </button>
                      {line.quantity}
                      <button
                        type="button"
                        aria-label="More"
                        onClick={() =>
                          run(() => updateCart(setQuantity(lines, line.productId, line.quantity + 1)))
                        }
                      >
                        +
                      </button>
                    </span>
                    <span>{formatMinor(product.priceMinor * line.quantity, currency)}</span>
                  </li>
                );
              })}
            </ul>
            <p className="total">
              Total{' '}
              <strong data-testid="cart-total">
                {formatMinor(cartTotalMinor(lines, products), currency)}
              </strong>
            </p>
            <button
              type="button"
              className="primary"
              data-testid="checkout"
              disabled={busy || lines.length === 0 || hosted !== 'yes'}
              onClick={onCheckout}
            >
              Pay with Jiaozi
            </button>
          </section>
        )}
        {route.name === 'orders' && <Orders session={session} onOpen={(id) => go({ name: 'order', id })} />}
        {route.name === 'order' && <OrderPage id={route.id} session={session} run={run} busy={busy} />}
      </main>
    </div>
  );
}

function Orders({ session, onOpen }: { session: SessionResponse | null; onOpen: (id: string) => void }) {
  const [orders, setOrders] = useState<ShopOrder[] | null>(null);
  useEffect(() => {
    if (session !== null)
      api.orders(session.token).then(
        (list) => setOrders(list.orders),
        () => setOrders([]),
      );
  }, [session]);
  if (session === null) return <p>Log in to see your orders.</p>;
  if (orders === null) return <p>Loading…</p>;
  if (orders.length === 0) return <p>No orders yet.</p>;
  return (
    <section>
      <h1>Orders</h1>
      <ul className="lines">
        {orders.map((o) => (
          <li key={o.id}>
            <button type="button" className="link" onClick={() => onOpen(o.id)}>
              {new Date(o.createdAt).toLocaleString()}
            </button>
            <span>{statusText(o)}</span>
            <span>{formatMinor(o.amountMinor, o.currency)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function statusText(order: ShopOrder): string {
  if (order.status === 'paid' && order.refundedMinor >= order.amountMinor) return 'Refunded';
  if (order.status === 'paid' && order.refundedMinor > 0) return 'Partly refunded';
  return { awaiting_payment: 'Awaiting payment', paid: 'Paid', cancelled: 'Cancelled' }[order.status];
}

function OrderPage(props: {
  id: string;
  session: SessionResponse | null;
  run: (task: () => Promise<void>) => Promise<void>;
  busy: boolean;
}) {
  const { id, session, run, busy } = props;
  const [order, setOrder] = useState<ShopOrder | null>(null);
  const [amount, setAmount] = useState('');

  // The status comes from the shop's server, which learns it from Jiaozi's webhook: poll
  // until the payment is confirmed.
  useEffect(() => {
    if (session === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (attempt: number) => {
      const current = await api.order(session.token, id).catch(() => null);
      if (stopped) return;
      if (current !== null) setOrder(current);
      if ((current === null || current.status === 'awaiting_payment') && attempt < 60) {
        timer = setTimeout(() => load(attempt + 1), 1000);
      }
    };
    load(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id, session]);

  if (session === null) return <p>Log in to see this order.</p>;
  if (order === null) return <p>Loading…</p>;
  const remaining = order.amountMinor - order.refundedMinor;
  const onRefund = () =>
    run(async () => {
      const amountMinor = parseMinor(amount);
      if (amountMinor === null) throw new Error('Enter an amount such as 12.50.');
      setOrder(await refund(api, session, order, amountMinor));
      setAmount('');
    });
  return (
    <section>
      <h1>Order</h1>
      <p className={`status status-${order.status}`} data-testid="order-status">
        {statusText(order)}
      </p>
      <ul className="lines">
        {order.lines.map((line) => (
          <li key={line.productId}>
            <span>
              {line.emoji} {line.name} × {line.quantity}
            </span>
            <span>{formatMinor(line.unitPriceMinor * line.quantity, order.currency)}</span>
          </li>
        ))}
      </ul>
      <p className="total">
        Paid <strong data-testid="order-amount">{formatMinor(order.amountMinor, order.currency)}</strong>
      </p>
      {order.refunds.length > 0 && (
        <>
          <h2>Refunds</h2>
          <ul className="lines" data-testid="refunds">
            {order.refunds.map((r) => (
              <li key={r.id}>
                <span>{new Date(r.createdAt).toLocaleString()}</span>
                <span>{formatMinor(r.amountMinor, order.currency)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {order.status === 'paid' && remaining > 0 && (
        <div className="refund">
          <label>
            Refund amount (up to {formatMinor(remaining, order.currency)})
            <input
              data-testid="refund-amount"
              inputMode="decimal"
              value={amount}
              placeholder="0.00"
              onChange={(event) => setAmount(event.target.value)}
            />
          </label>
          <button type="button" data-testid="refund" disabled={busy || amount === ''} onClick={onRefund}>
            Refund
          </button>
        </div>
      )}
    </section>
  );
}
