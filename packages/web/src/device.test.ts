import { describe, expect, it } from 'vitest';
import { deviceNameFromUserAgent, isMobileDeviceName } from './device.js';

const UA = {
  chromeLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  wechat:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50',
};

describe('deviceNameFromUserAgent', () => {
  it('names common browsers', () => {
    expect(deviceNameFromUserAgent(UA.chromeLinux)).toBe('Chrome on Linux');
    expect(deviceNameFromUserAgent(UA.headless)).toBe('Chrome on Linux');
    expect(deviceNameFromUserAgent(UA.safariIphone)).toBe('Safari on iPhone');
    expect(deviceNameFromUserAgent(UA.chromeAndroid)).toBe('Chrome on Android');
    expect(deviceNameFromUserAgent(UA.firefoxMac)).toBe('Firefox on macOS');
    expect(deviceNameFromUserAgent(UA.edgeWindows)).toBe('Edge on Windows');
    expect(deviceNameFromUserAgent(UA.wechat)).toBe('WeChat on iPhone');
  });

  it('falls back and respects the length limit', () => {
    expect(deviceNameFromUserAgent('')).toBe('Browser');
    expect(deviceNameFromUserAgent(UA.chromeLinux, 6)).toBe('Chrome');
  });

  it('tells phones from computers', () => {
    expect(isMobileDeviceName('Safari on iPhone')).toBe(true);
    expect(isMobileDeviceName('Chrome on Linux')).toBe(false);
  });
});
