import { type BridgeImage, connect, ui } from '@jiaozi/sdk';
import { useCallback, useEffect, useState } from 'react';
import type { RestaurantList, RestaurantPage, SessionResponse, VoucherPurchase } from '../shared/api.js';
import { httpRestaurantsApi, RestaurantsApiError } from './logic/api.js';
import { draftProblem, pickPhotos, postReview, REVIEW_PHOTOS_MAX } from './logic/review.js';
import { logIn } from './logic/session.js';
import { buyVoucher, formatMinor, formatRating } from './logic/voucher.js';

const api = httpRestaurantsApi();

type Route = { name: 'list' } | { name: 'restaurant'; id: string } | { name: 'vouchers' };

function parseRoute(pathname: string): Route {
  if (pathname === '/vouchers') return { name: 'vouchers' };
  const match = /^\/r\/([\w-]+)$/.exec(pathname);
  if (match?.[1] !== undefined) return { name: 'restaurant', id: match[1] };
  return { name: 'list' };
}

function pathOf(route: Route): string {
  return route.name === 'list' ? '/' : route.name === 'vouchers' ? '/vouchers' : `/r/${route.id}`;
}

function message(error: unknown): string {
  if (error instanceof RestaurantsApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

function stars(rating: number): string {
  return '★★★★★'.slice(0, rating) + '☆☆☆☆☆'.slice(0, 5 - rating);
}

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname));
  const [hosted, setHosted] = useState<'connecting' | 'yes' | 'no'>('connecting');
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
    connect()
      .then(async () => {
        setHosted('yes');
        await ui.setTitle('Jiaozi Eats');
      })
      .catch(() => setHosted('no'));
    return () => removeEventListener('popstate', onPop);
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
      if (error instanceof RestaurantsApiError && error.code === 'unauthenticated') setSession(null);
      setNotice(message(error));
    } finally {
      setBusy(false);
    }
  }, []);

  const ctx = { session, ensureSession, run, busy, hosted, go, setNotice };
  return (
    <div className="eats">
      <header className="bar">
        <button type="button" className="brand" onClick={() => go({ name: 'list' })}>
          Jiaozi Eats
        </button>
        <button type="button" onClick={() => go({ name: 'vouchers' })}>
          My vouchers
        </button>
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
          <span data-testid="greeting">Signed in as {session.displayName ?? 'a diner'}</span>
        )}
      </div>
      {hosted === 'no' && <p className="notice">Open this guide inside Jiaozi to review and buy vouchers.</p>}
      {notice !== null && (
        <p className="notice" role="alert">
          {notice}
        </p>
      )}
      <main>
        {route.name === 'list' && <List onOpen={(id) => go({ name: 'restaurant', id })} />}
        {route.name === 'restaurant' && <RestaurantView id={route.id} {...ctx} />}
        {route.name === 'vouchers' && <Vouchers session={session} />}
      </main>
    </div>
  );
}

function List({ onOpen }: { onOpen: (id: string) => void }) {
  const [list, setList] = useState<RestaurantList | null>(null);
  useEffect(() => {
    api.restaurants().then(setList, () => setList({ currency: 'CNY', restaurants: [] }));
  }, []);
  if (list === null) return <p>Loading…</p>;
  return (
    <ul className="restaurants">
      {list.restaurants.map((r) => (
        <li key={r.id}>
          <button type="button" onClick={() => onOpen(r.id)} data-testid={`restaurant-${r.id}`}>
            <span className="emoji" aria-hidden="true">
              {r.emoji}
            </span>
            <span className="info">
              <strong>{r.name}</strong>
              <small>
                {r.cuisine} · {r.area} · {formatMinor(r.averageSpendMinor, list.currency)} per person
              </small>
              <small className="rating">
                {formatRating(r.ratingTenths)} · {r.reviewCount} reviews
              </small>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

interface Ctx {
  session: SessionResponse | null;
  ensureSession: () => Promise<SessionResponse>;
  run: (task: () => Promise<void>) => Promise<void>;
  busy: boolean;
  hosted: 'connecting' | 'yes' | 'no';
  go: (route: Route) => void;
  setNotice: (text: string | null) => void;
}

function RestaurantView({ id, ensureSession, run, busy, hosted, go, setNotice }: Ctx & { id: string }) {
  const [page, setPage] = useState<RestaurantPage | null>(null);
  const [rating, setRating] = useState(5);
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<BridgeImage[]>([]);
  const [previews, setPreviews] = useState<string[]>([]);

  const load = useCallback(() => api.restaurant(id).then(setPage), [id]);
  useEffect(() => {
    load().catch(() => setPage(null));
  }, [load]);
  useEffect(() => {
    const urls = photos.map((p) => URL.createObjectURL(new Blob([p.data], { type: p.type })));
    setPreviews(urls);
    return () => {
      for (const url of urls) URL.revokeObjectURL(url);
    };
  }, [photos]);

  if (page === null) return <p>Loading…</p>;
  const { restaurant, reviews, vouchers, currency } = page;
  const problem = draftProblem({ rating, text, photos });

  const onAddPhotos = () =>
    run(async () => {
      const picked = await pickPhotos(photos.length);
      setPhotos([...photos, ...picked.accepted]);
      if (picked.rejected.length > 0) {
        setNotice(
          `Left out: ${picked.rejected.map((r) => `${r.name} (${r.reason === 'type' ? 'not a photo' : 'over 5 MB'})`).join(', ')}`,
        );
      }
    });
  const onPost = () =>
    run(async () => {
      const current = await ensureSession();
      await postReview(api, current, restaurant.id, { rating, text, photos });
      setText('');
      setPhotos([]);
      await load();
    });
  const onBuy = (voucherId: string) =>
    run(async () => {
      const current = await ensureSession();
      const outcome = await buyVoucher(api, current, voucherId);
      if (outcome.kind === 'paid') go({ name: 'vouchers' });
      else if (outcome.kind === 'cancelled') setNotice('Payment cancelled.');
      else setNotice(`Payment failed: ${outcome.message}`);
    });

  return (
    <section>
      <h1>
        {restaurant.emoji} {restaurant.name}
      </h1>
      <p className="meta">
        {restaurant.cuisine} · {restaurant.area} · {formatRating(restaurant.ratingTenths)} (
        {restaurant.reviewCount})
      </p>
      {vouchers.length > 0 && (
        <>
          <h2>Vouchers</h2>
          <ul className="vouchers">
            {vouchers.map((v) => (
              <li key={v.id}>
                <span>
                  <strong>{v.title}</strong>
                  <small>Worth {formatMinor(v.faceValueMinor, currency)}</small>
                </span>
                <button
                  type="button"
                  data-testid={`buy-${v.id}`}
                  disabled={busy || hosted !== 'yes'}
                  onClick={() => onBuy(v.id)}
                >
                  Buy {formatMinor(v.priceMinor, currency)}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Write a review</h2>
      <div className="compose">
        <div className="stars">
          {[1, 2, 3, 4, 5].map((n) => (
            <button
              key={n}
              type="button"
              aria-pressed={rating === n}
              aria-label={`${n} stars`}
              className={n <= rating ? 'on' : ''}
              onClick={() => setRating(n)}
            >
              ★
            </button>
          ))}
        </div>
        <textarea
          data-testid="review-text"
          value={text}
          maxLength={1000}
          placeholder="How was it?"
          onChange={(event) => setText(event.target.value)}
        />
        <div className="thumbs">
          {previews.map((url, i) => (
            <img key={url} src={url} alt={photos[i]?.name ?? 'photo'} />
          ))}
          {photos.length < REVIEW_PHOTOS_MAX && (
            <button
              type="button"
              data-testid="add-photos"
              disabled={busy || hosted !== 'yes'}
              onClick={onAddPhotos}
            >
              + Photos
            </button>
          )}
        </div>
        <button
          type="button"
          className="primary"
          data-testid="post-review"
          disabled={busy || hosted !== 'yes' || problem !== null}
          onClick={onPost}
        >
          Post review
        </button>
      </div>
      <h2>Reviews</h2>
      <ul className="reviews" data-testid="reviews">
        {reviews.map((r) => (
          <li key={r.id}>
            <div>
              <strong>{r.authorName}</strong> <span className="rating">{stars(r.rating)}</span>
            </div>
            <p>{r.text}</p>
            {r.photoUrls.length > 0 && (
              <div className="thumbs">
                {r.photoUrls.map((url) => (
                  <img key={url} src={url} alt="" />
                ))}
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Vouchers({ session }: { session: SessionResponse | null }) {
  const [purchases, setPurchases] = useState<VoucherPurchase[] | null>(null);
  useEffect(() => {
    if (session === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Paid vouchers get their code when the guide's server hears Jiaozi's webhook.
    const load = async (attempt: number) => {
      const list = await api.purchases(session.token).catch(() => null);
      if (stopped) return;
      if (list !== null) setPurchases(list.purchases);
      if (list?.purchases.some((p) => p.status === 'awaiting_payment') && attempt < 30) {
        timer = setTimeout(() => load(attempt + 1), 1000);
      }
    };
    load(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [session]);
  if (session === null) return <p>Log in to see your vouchers.</p>;
  if (purchases === null) return <p>Loading…</p>;
  if (purchases.length === 0) return <p>No vouchers yet.</p>;
  return (
    <section>
      <h1>My vouchers</h1>
      <ul className="vouchers" data-testid="purchases">
        {purchases.map((p) => (
          <li key={p.id}>
            <span>
              <strong>{p.title}</strong>
              <small>{formatMinor(p.amountMinor, p.currency)}</small>
            </span>
            <span className={`status status-${p.status}`}>
              {p.status === 'paid'
                ? `Code ${p.redeemCode}`
                : p.status === 'cancelled'
                  ? 'Cancelled'
                  : 'Awaiting payment'}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
