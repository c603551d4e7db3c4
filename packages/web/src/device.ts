/** A readable name for this browser, sent as `deviceName` at login: "Chrome on Linux". */
export function deviceNameFromUserAgent(userAgent: string, maxLength = 64): string {
  const ua = userAgent;
  const browser = /MicroMessenger\//.test(ua)
    ? 'WeChat'
    : /Edg(e|A|iOS)?\//.test(ua)
      ? 'Edge'
      : /OPR\/|Opera/.test(ua)
        ? 'Opera'
        : /SamsungBrowser\//.test(ua)
          ? 'Samsung Internet'
          : /Firefox\/|FxiOS\//.test(ua)
            ? 'Firefox'
            : /Chrome\/|CriOS\/|Chromium\//.test(ua)
              ? 'Chrome'
              : /Safari\//.test(ua)
                ? 'Safari'
                : 'Browser';
  const os = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /CrOS/.test(ua)
          ? 'ChromeOS'
          : /Windows/.test(ua)
            ? 'Windows'
            : /Macintosh|Mac OS X/.test(ua)
              ? 'macOS'
              : /Linux|X11/.test(ua)
                ? 'Linux'
                : undefined;
  const name = os ? `${browser} on ${os}` : browser;
  return name.slice(0, maxLength);
}

export function currentDeviceName(maxLength?: number): string {
  return deviceNameFromUserAgent(typeof navigator === 'undefined' ? '' : navigator.userAgent, maxLength);
}

/** Whether a device name looks like a phone or tablet (for the icon in the device list). */
export function isMobileDeviceName(name: string): boolean {
  return /iPhone|iPad|Android|Mobile|WeChat/i.test(name);
}
