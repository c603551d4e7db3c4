import type { MediaLinks, Message } from '@jiaozi/protocol';
import { describe, expect, it } from 'vitest';
import {
  albumColumns,
  formatDuration,
  LinkCache,
  photosOf,
  placeholderUrl,
  voiceMimeType,
  voiceOf,
  waveformOf,
} from './media.js';

function message(
  kind: Message['kind'],
  payload: Record<string, unknown> | null,
): Pick<Message, 'kind' | 'payload'> {
  return { kind, payload };
}

describe('media helpers', () => {
  it('formats lengths to the nearest second', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(4_499)).toBe('0:04');
    expect(formatDuration(4_500)).toBe('0:05');
    expect(formatDuration(60_000)).toBe('1:00');
    expect(formatDuration(-5)).toBe('0:00');
  });

  it('draws a waveform of peaks, the loudest at 255', () => {
    const samples = new Float32Array([0, 0.1, -0.5, 0.25, 0, 0, 1, -0.2]);
    expect(waveformOf(samples, 4)).toEqual([26, 128, 0, 255]);
    expect(waveformOf(new Float32Array(10), 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waveformOf(new Float32Array([0.5, 0.5]), 64)).toEqual([255, 255]);
    expect(waveformOf(new Float32Array(10_000).fill(0.3), 100)).toHaveLength(100);
  });

  it('records Opus in WebM, else in Ogg, else not at all', () => {
    expect(voiceMimeType(() => true)).toBe('audio/webm;codecs=opus');
    expect(voiceMimeType((t) => t.startsWith('audio/ogg'))).toBe('audio/ogg;codecs=opus');
    expect(voiceMimeType(() => false)).toBeNull();
  });

  it('reads the photos and the clip of a message, nothing of other kinds', () => {
    const photo = { mediaId: 'm1', width: 3, height: 2, placeholder: '', animated: false };
    expect(photosOf(message('photo', { photos: [photo] }))).toEqual([photo]);
    expect(photosOf(message('text', null))).toEqual([]);
    const voice = { mediaId: 'v1', durationMs: 4200, waveform: [1, 2] };
    expect(voiceOf(message('voice', { voice }))).toEqual(voice);
    expect(voiceOf(message('photo', { photos: [] }))).toBeNull();
    expect(voiceOf(message('voice', null))).toBeNull();
  });

  it('lays albums out in one, two or three columns', () => {
    expect([1, 2, 3, 4, 5, 9].map(albumColumns)).toEqual([1, 2, 3, 2, 3, 3]);
  });

  it('turns no placeholder, or a broken one, into nothing', () => {
    expect(placeholderUrl('')).toBeUndefined();
    expect(placeholderUrl('%%%')).toBeUndefined();
  });

  it('shares one request per id and asks again once a link is near its end', async () => {
    let now = Date.parse('2026-11-25T08:00:00Z');
    let calls = 0;
    const cache = new LinkCache(
      async (id) => {
        calls += 1;
        return { id, expiresAt: new Date(now + 20_000).toISOString() } as MediaLinks;
      },
      () => now,
    );
    const [a, b] = await Promise.all([cache.get('x'), cache.get('x')]);
    expect(a).toBe(b);
    // 20 s left is inside the 30 s margin: not kept.
    expect(calls).toBe(1);
    await cache.get('x');
    expect(calls).toBe(2);
    now += 1;
    const failing = new LinkCache(async () => {
      throw new Error('no');
    });
    await expect(failing.get('y')).rejects.toThrow('no');
    await expect(failing.get('y')).rejects.toThrow('no');
  });
});
