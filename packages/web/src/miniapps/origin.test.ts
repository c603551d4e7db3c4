import { isBridgeHello } from '@jiaozi/protocol';
import { describe, expect, it } from 'vitest';
import { appUrl, judgeHello, normalizeAppPath, normalizeOrigin } from './origin.js';

describe('normalizeOrigin', () => {
  it('keeps scheme, host and port of http(s) origins', () => {
    expect(normalizeOrigin('https://shop.example')).toBe('https://shop.example');
    expect(normalizeOrigin('http://127.0.0.1:8092/')).toBe('http://127.0.0.1:8092');
    expect(normalizeOrigin('HTTPS://Shop.Example:443')).toBe('https://shop.example');
  });

  it('refuses other schemes, credentials and garbage', () => {
    expect(normalizeOrigin('javascript:alert(1)')).toBeNull();
    expect(normalizeOrigin('data:text/html,hi')).toBeNull();
    expect(normalizeOrigin('https://user:pw@shop.example')).toBeNull();
    expect(normalizeOrigin('shop.example')).toBeNull();
    expect(normalizeOrigin('')).toBeNull();
  });
});

describe('normalizeAppPath and appUrl', () => {
  it('defaults to / and keeps in-app paths', () => {
    expect(normalizeAppPath(undefined)).toBe('/');
    expect(normalizeAppPath('')).toBe('/');
    expect(normalizeAppPath('/cart?x=1#top')).toBe('/cart?x=1#top');
    expect(appUrl('http://127.0.0.1:8092', '/cart?x=1')).toBe('http://127.0.0.1:8092/cart?x=1');
    expect(appUrl('https://shop.example', null)).toBe('https://shop.example/');
  });

  it('refuses paths that could leave the origin', () => {
    for (const path of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'cart', '/a\nb']) {
      expect(normalizeAppPath(path), path).toBeNull();
      expect(appUrl('https://shop.example', path), path).toBeNull();
    }
    expect(appUrl('javascript:alert(1)', '/')).toBeNull();
  });
});

describe('judgeHello', () => {
  const frame = { name: 'the app frame' };
  const other = { name: 'a frame inside it' };
  const hello = { jiaozi: 'hello', version: 1 };
  const origin = 'http://127.0.0.1:8092';

  it('accepts a hello from the frame and the origin only', () => {
    expect(judgeHello({ source: frame, origin, data: hello }, frame, origin, isBridgeHello)).toBe('accept');
    expect(judgeHello({ source: frame, origin, data: hello }, frame, `${origin}/`, isBridgeHello)).toBe(
      'accept',
    );
  });

  it('ignores other windows, other origins and other messages', () => {
    expect(judgeHello({ source: other, origin, data: hello }, frame, origin, isBridgeHello)).toBe(
      'wrong_source',
    );
    expect(judgeHello({ source: null, origin, data: hello }, frame, origin, isBridgeHello)).toBe(
      'wrong_source',
    );
    expect(judgeHello({ source: frame, origin, data: hello }, null, origin, isBridgeHello)).toBe(
      'wrong_source',
    );
    expect(
      judgeHello(
        { source: frame, origin: 'http://127.0.0.1:8091', data: hello },
        frame,
        origin,
        isBridgeHello,
      ),
    ).toBe('wrong_origin');
    expect(judgeHello({ source: frame, origin: 'null', data: hello }, frame, origin, isBridgeHello)).toBe(
      'wrong_origin',
    );
    expect(judgeHello({ source: frame, origin, data: hello }, frame, 'not an origin', isBridgeHello)).toBe(
      'wrong_origin',
    );
    expect(
      judgeHello(
        { source: frame, origin, data: { jiaozi: 'hello', version: 2 } },
        frame,
        origin,
        isBridgeHello,
      ),
    ).toBe('not_hello');
    expect(judgeHello({ source: frame, origin, data: 'hello' }, frame, origin, isBridgeHello)).toBe(
      'not_hello',
    );
  });
});
