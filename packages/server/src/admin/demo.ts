import type { ChatService } from '../chat/chat.service.js';
import { addDays, dayIn, formatPer10k, nextTradingDay, simulatedYieldE4 } from '../fund/fund.core.js';
import type { FundService } from '../fund/fund.service.js';
import type { IdentityService } from '../identity/identity.service.js';
import { newId } from '../kernel/ids.js';
import type { SocialService } from '../social/social.service.js';
import type { WalletService } from '../wallet/wallet.service.js';

/** The demo accounts `jiaozi seed` creates, documented in the README. */
export const DEMO_USERS = [
  { username: 'alice', displayName: 'Alice Wang', role: 'admin', kycTier: 2, phone: '+8613800000001' },
  { username: 'bob', displayName: 'Bob Li', role: 'user', kycTier: 1, phone: '+8613800000002' },
  { username: 'carol', displayName: 'Carol Chen', role: 'user', kycTier: 0, phone: '+8613800000003' },
] as const;

export const DEMO_PASSWORD = 'jiaozi-demo';
export const DEMO_PIN = '135790';

export interface SeedResult {
  created: string[];
  existing: string[];
}

/**
 * Creates the demo users if they are missing (running it twice changes nothing). Each gets
 * the demo password and payment PIN. Demo users sign in with their username.
 */
export async function seedDemo(identity: IdentityService): Promise<SeedResult> {
  const result: SeedResult = { created: [], existing: [] };
  for (const demo of DEMO_USERS) {
    if (await identity.findByLogin(demo.username)) {
      result.existing.push(demo.username);
      continue;
    }
    const user = await identity.createUser({
      username: demo.username,
      password: DEMO_PASSWORD,
      displayName: demo.displayName,
      role: demo.role,
      kycTier: demo.kycTier,
    });
    await identity.updateProfile(user.id, { region: 'CN', bio: `Demo account (${demo.username}).` });
    await identity.setPin(user.id, DEMO_PIN, DEMO_PASSWORD, { ip: null, userAgent: 'jiaozi seed' });
    result.created.push(demo.username);
  }
  return result;
}

export interface DemoServices {
  identity: IdentityService;
  social: SocialService;
  chat: ChatService;
  wallet: WalletService;
  fund: FundService;
}

/** Demo balances, in fen. */
export const DEMO_BALANCES_MINOR = { alice: 100_000n, bob: 50_000n, carol: 20_000n } as const;

/** What each demo user has had in the money fund for the last month, in fen. */
export const DEMO_FUND_MINOR = { alice: 2_000_000n, bob: 500_000n, carol: 100_000n } as const;

/** Days of fund history the demo starts with. */
export const DEMO_FUND_DAYS = 30;

/**
 * Gives freshly seeded demo users something to look at: balances, alice befriended with bob
 * and carol (bob and carol are left for the visitor to introduce), a chat and a group.
 * Only for users created by this seed (`created`), so running it again changes nothing.
 */
export async function seedDemoActivity(services: DemoServices, created: readonly string[]): Promise<void> {
  if (!['alice', 'bob', 'carol'].every((name) => created.includes(name))) return;
  const ids: Record<string, string> = {};
  for (const name of ['alice', 'bob', 'carol'] as const) {
    const user = await services.identity.findByLogin(name);
    if (!user) return;
    ids[name] = user.id;
  }
  const alice = ids.alice as string;
  const bob = ids.bob as string;
  const carol = ids.carol as string;
  for (const [name, amount] of Object.entries(DEMO_BALANCES_MINOR)) {
    await services.wallet.operatorCredit(ids[name] as string, amount, 'Demo balance');
  }
  await seedDemoFund(services, ids);
  for (const friend of [bob, carol]) {
    const request = await services.social.sendRequest(alice, {
      id: newId(),
      to: { userId: friend },
      message: 'Hi, it’s Alice — let’s keep in touch on Jiaozi!',
    });
    await services.social.accept(friend, request.id);
  }
  await services.chat.send(
    alice,
    { userId: bob },
    { id: newId(), text: '欢迎来到交子！Welcome to Jiaozi 🥟' },
  );
  await services.chat.send(
    bob,
    { userId: alice },
    { id: newId(), text: 'Thanks Alice! Dumplings on Friday?' },
  );
  await services.chat.createGroup(alice, { name: 'Dumpling club 饺子俱乐部', memberIds: [bob, carol] });
}

/**
 * A month of money-fund history, so that the fund page has a chart from the start: each demo
 * user's savings are credited and subscribed, confirmed 31 days ago, and each of the last 30
 * days is accrued with the simulated yield. Only on a fund with no accruals yet (a month in
 * the past cannot be accrued after later days); otherwise the savings are simply subscribed.
 */
async function seedDemoFund(services: DemoServices, ids: Record<string, string>): Promise<void> {
  const { fund, wallet } = services;
  const today = dayIn(new Date(), fund.calendar.timeZone);
  const fresh = (await fund.repo.lastAccrualDay()) === null;
  for (const [name, amount] of Object.entries(DEMO_FUND_MINOR)) {
    const userId = ids[name] as string;
    await wallet.operatorCredit(userId, amount, 'Demo savings');
    await fund.operatorSubscribe(
      userId,
      amount,
      fresh ? addDays(today, -DEMO_FUND_DAYS) : nextTradingDay(fund.calendar, today),
    );
  }
  if (!fresh) return;
  // A week of yields before the first day, so that the 7-day yield covers the whole chart.
  for (let i = DEMO_FUND_DAYS + 6; i > DEMO_FUND_DAYS; i--) {
    const day = addDays(today, -i);
    await fund.publishYield(day, formatPer10k(simulatedYieldE4(day)), 'simulated');
  }
  for (let i = DEMO_FUND_DAYS; i >= 1; i--) {
    const day = addDays(today, -i);
    await fund.publishYield(day, formatPer10k(simulatedYieldE4(day)), 'simulated');
    await fund.accrue(day);
  }
}
