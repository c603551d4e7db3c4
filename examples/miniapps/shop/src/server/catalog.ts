import type { Product } from '../shared/api.js';

/** The shop's products. Prices live on the server only: the app never sends one. */
export const PRODUCTS: readonly Product[] = [
  {
    id: 'tea',
    name: 'Longjing green tea',
    description: '250 g of spring-picked West Lake tea.',
    emoji: '🍵',
    priceMinor: 8800,
  },
  {
    id: 'dumplings',
    name: 'Frozen jiaozi',
    description: 'Pork and chive, 40 pieces.',
    emoji: '🥟',
    priceMinor: 3200,
  },
  {
    id: 'chopsticks',
    name: 'Bamboo chopsticks',
    description: 'Five pairs, natural finish.',
    emoji: '🥢',
    priceMinor: 1500,
  },
  {
    id: 'lantern',
    name: 'Red paper lantern',
    description: '30 cm, folds flat.',
    emoji: '🏮',
    priceMinor: 2600,
  },
  {
    id: 'mooncake',
    name: 'Mooncake box',
    description: 'Six lotus-seed mooncakes.',
    emoji: '🥮',
    priceMinor: 12800,
  },
  {
    id: 'headphones',
    name: 'Wireless earbuds',
    description: 'Noise cancelling, 24 h battery.',
    emoji: '🎧',
    priceMinor: 39900,
  },
];

export function findProduct(id: string): Product | undefined {
  return PRODUCTS.find((p) => p.id === id);
}
