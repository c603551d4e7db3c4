import type { BridgeImage } from '@jiaozi/protocol';
import { call } from './connect.js';

/** Lets the user pick up to `count` (1..9, default 1) images; answers their bytes. */
export function chooseImage(params: { count?: number } = {}): Promise<{ images: BridgeImage[] }> {
  return call('media.chooseImage', params);
}
