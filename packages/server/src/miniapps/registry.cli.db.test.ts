import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../kernel/ids.js';
import { createTestApp, signupClient, type TestApp } from '../test/app.js';
import { miniappsCommand } from './registry.cli.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t?.shutdown();
});

const input = (name: string, origin: string) => ({ name, description: '', origin, scopes: [] });

it('lists apps and approves one by id', async () => {
  const registry = t.services.miniapps;
  expect(await miniappsCommand(registry, 'list', [])).toEqual(['No mini apps.']);
  const dev = await signupClient(t.app);
  const shop = await registry.create(dev.userId, input('Shop', 'https://shop.example'));
  const food = await registry.create(dev.userId, input('Food', 'http://localhost:8091'));
  expect(await miniappsCommand(registry, 'list', ['--status', 'pending'])).toEqual([
    `${shop.app.id}  pending    Shop  https://shop.example`,
    `${food.app.id}  pending    Food  http://localhost:8091`,
  ]);
  expect(await miniappsCommand(registry, 'approve', [food.app.id])).toEqual([
    `Food (${food.app.id}) is approved; it is listed in Discover.`,
  ]);
  expect(await miniappsCommand(registry, 'list', ['--status=approved'])).toEqual([
    `${food.app.id}  approved   Food  http://localhost:8091`,
  ]);
  expect((await registry.discover()).map((a) => a.id)).toEqual([food.app.id]);
  expect(await miniappsCommand(registry, 'list', ['--status', 'suspended'])).toEqual([
    'No suspended mini apps.',
  ]);
});

it('refuses bad command lines and unknown apps', async () => {
  const registry = t.services.miniapps;
  await expect(miniappsCommand(registry, 'list', ['--status', 'gone'])).rejects.toThrow(
    /--status takes one of/,
  );
  await expect(miniappsCommand(registry, 'approve', [])).rejects.toThrow(/Name one app/);
  await expect(miniappsCommand(registry, 'approve', ['not-an-id'])).rejects.toThrow(/Name one app/);
  await expect(miniappsCommand(registry, 'approve', [newId()])).rejects.toMatchObject({ code: 'not_found' });
  await expect(miniappsCommand(registry, 'remove', [])).rejects.toThrow('Unknown command: miniapps remove');
});
