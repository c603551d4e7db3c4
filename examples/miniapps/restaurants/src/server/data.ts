import type { Voucher } from '../shared/api.js';

export interface RestaurantInfo {
  id: string;
  name: string;
  cuisine: string;
  area: string;
  emoji: string;
  averageSpendMinor: number;
}

export const RESTAURANTS: readonly RestaurantInfo[] = [
  {
    id: 'din-tai',
    name: 'Golden Steam Dumpling House',
    cuisine: 'Shanghainese',
    area: 'Jing’an',
    emoji: '🥟',
    averageSpendMinor: 12000,
  },
  {
    id: 'sichuan-fire',
    name: 'Sichuan Fire',
    cuisine: 'Sichuan',
    area: 'Xuhui',
    emoji: '🌶️',
    averageSpendMinor: 9500,
  },
  {
    id: 'noodle-bar',
    name: 'Hand-pulled Noodle Bar',
    cuisine: 'Lanzhou',
    area: 'Huangpu',
    emoji: '🍜',
    averageSpendMinor: 4500,
  },
  {
    id: 'roast-duck',
    name: 'Old Capital Roast Duck',
    cuisine: 'Beijing',
    area: 'Pudong',
    emoji: '🦆',
    averageSpendMinor: 18800,
  },
  {
    id: 'dim-sum',
    name: 'Harbour Dim Sum',
    cuisine: 'Cantonese',
    area: 'Changning',
    emoji: '🍤',
    averageSpendMinor: 8800,
  },
];

export const VOUCHERS: readonly Voucher[] = [
  {
    id: 'din-tai-100',
    restaurantId: 'din-tai',
    title: '¥100 dining voucher',
    faceValueMinor: 10000,
    priceMinor: 8800,
  },
  {
    id: 'sichuan-fire-50',
    restaurantId: 'sichuan-fire',
    title: '¥50 dining voucher',
    faceValueMinor: 5000,
    priceMinor: 4500,
  },
  {
    id: 'noodle-bar-30',
    restaurantId: 'noodle-bar',
    title: 'Two bowls of beef noodles',
    faceValueMinor: 3600,
    priceMinor: 2900,
  },
  {
    id: 'roast-duck-200',
    restaurantId: 'roast-duck',
    title: '¥200 dining voucher',
    faceValueMinor: 20000,
    priceMinor: 17800,
  },
  {
    id: 'dim-sum-80',
    restaurantId: 'dim-sum',
    title: 'Dim sum set for two',
    faceValueMinor: 9800,
    priceMinor: 7800,
  },
];

/** Reviews a fresh guide starts with. */
export const SEED_REVIEWS = [
  {
    restaurantId: 'din-tai',
    authorName: 'Mei',
    rating: 5,
    text: 'The crab-roe xiaolongbao are worth the queue.',
  },
  { restaurantId: 'din-tai', authorName: 'Jun', rating: 4, text: 'Great dumplings, a bit loud at lunch.' },
  {
    restaurantId: 'sichuan-fire',
    authorName: 'Lei',
    rating: 5,
    text: 'Proper mala. Order the water-boiled fish.',
  },
  {
    restaurantId: 'noodle-bar',
    authorName: 'Hua',
    rating: 4,
    text: 'Fast, cheap, and the broth is clear and rich.',
  },
  { restaurantId: 'dim-sum', authorName: 'Ping', rating: 3, text: 'Good har gow, slow service on weekends.' },
] as const;
