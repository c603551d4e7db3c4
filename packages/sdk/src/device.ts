import { call } from './connect.js';

/** Opens the host's QR scanner; answers the text of the code. */
export function scanQR(): Promise<{ text: string }> {
  return call('device.scanQR', {});
}
