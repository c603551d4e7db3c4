import { describe, expect, it } from 'vitest';
import { cardPayloadOf, developerAppPath, miniAppPath, simulatorPath } from './links.js';

describe('mini-app links', () => {
  it('builds host, simulator and console paths', () => {
    expect(miniAppPath('app_1')).toBe('/miniapps/app_1');
    expect(miniAppPath('app_1', '/')).toBe('/miniapps/app_1');
    expect(miniAppPath('app 1', '/cart?x=1')).toBe('/miniapps/app%201?path=%2Fcart%3Fx%3D1');
    expect(simulatorPath('app_1')).toBe('/dev/simulator?app=app_1');
    expect(simulatorPath('app_1', '/p')).toBe('/dev/simulator?app=app_1&path=%2Fp');
    expect(developerAppPath('a/b')).toBe('/me/developer/a%2Fb');
  });

  it('reads a card payload and refuses what is not one', () => {
    expect(
      cardPayloadOf({
        appId: 'a',
        appName: 'Shop',
        iconUrl: null,
        title: 'Hi',
        path: '/x',
        description: 'd',
      }),
    ).toEqual({ appId: 'a', appName: 'Shop', iconUrl: null, title: 'Hi', path: '/x', description: 'd' });
    expect(cardPayloadOf({ appId: 'a', appName: 'Shop', title: 'Hi', path: '//evil.example' })).toEqual({
      appId: 'a',
      appName: 'Shop',
      iconUrl: null,
      title: 'Hi',
      path: '/',
      description: '',
    });
    expect(cardPayloadOf(null)).toBeNull();
    expect(cardPayloadOf({ appName: 'Shop', title: 'Hi' })).toBeNull();
    expect(cardPayloadOf({ appId: '', appName: 'Shop', title: 'Hi' })).toBeNull();
  });
});
