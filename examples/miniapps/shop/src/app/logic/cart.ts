/**
 * The cart: pure functions over lines, kept in the host's per-app, per-user storage
 * (`storage.set('cart', lines)`) so it survives closing the app.
 */
import { storage } from '@jiaozi/sdk';
import type { CartLine, Product } from '../../shared/api.js';

export const CART_KEY = 'cart';
export const CART_LINES_MAX = 20;
export const LINE_QUANTITY_MAX = 99;

export type Cart = readonly CartLine[];

export function addToCart(cart: Cart, productId: string, quantity = 1): Cart {
  const line = cart.find((l) => l.productId === productId);
  if (line === undefined) {
    if (cart.length >= CART_LINES_MAX) return cart;
    return [...cart, { productId, quantity: Math.min(quantity, LINE_QUANTITY_MAX) }];
  }
  return setQuantity(cart, productId, line.quantity + quantity);
}

/** Sets a line's quantity (capped); 0 or less removes it. */
export function setQuantity(cart: Cart, productId: string, quantity: number): Cart {
  if (quantity <= 0) return cart.filter((l) => l.productId !== productId);
  return cart.map((l) =>
    l.productId === productId ? { productId, quantity: Math.min(quantity, LINE_QUANTITY_MAX) } : l,
  );
}

export function cartCount(cart: Cart): number {
  return cart.reduce((n, l) => n + l.quantity, 0);
}

/** The total in minor units (integers only); lines of unknown products count nothing. */
export function cartTotalMinor(cart: Cart, products: readonly Product[]): number {
  let total = 0n;
  for (const line of cart) {
    const product = products.find((p) => p.id === line.productId);
    if (product !== undefined) total += BigInt(product.priceMinor) * BigInt(line.quantity);
  }
  return Number(total);
}

/** Drops lines of products no longer sold. */
export function knownLines(cart: Cart, products: readonly Product[]): Cart {
  return cart.filter((l) => products.some((p) => p.id === l.productId));
}

function isCartLine(value: unknown): value is CartLine {
  if (typeof value !== 'object' || value === null) return false;
  const { productId, quantity } = value as Record<string, unknown>;
  return (
    typeof productId === 'string' &&
    typeof quantity === 'number' &&
    Number.isInteger(quantity) &&
    quantity >= 1 &&
    quantity <= LINE_QUANTITY_MAX
  );
}

/** The cart kept in the host's storage; anything unreadable counts as an empty cart. */
export async function loadCart(): Promise<Cart> {
  const value = await storage.get(CART_KEY);
  if (!Array.isArray(value)) return [];
  return (value as unknown[]).filter(isCartLine).slice(0, CART_LINES_MAX);
}

export async function saveCart(cart: Cart): Promise<void> {
  await storage.set(
    CART_KEY,
    cart.map((l) => ({ productId: l.productId, quantity: l.quantity })),
  );
}
