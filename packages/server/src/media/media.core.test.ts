import fc from 'fast-check';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../kernel/errors.js';
import { makeSpeech, pngOf, type Speech } from '../test/media-fixtures.js';
import {
  assertNotPolyglot,
  assertPixels,
  parseRange,
  parseWaveform,
  readImageHeader,
  sniff,
} from './media.core.js';
import { processPhoto } from './media.images.js';
import { opusPacketDurationUs, parseOgg, parseVoice, parseWebm } from './voice.core.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'none';
}

const images: Record<string, Buffer> = {};
let speech: Speech;

beforeAll(async () => {
  const base = sharp({ create: { width: 37, height: 23, channels: 3, background: '#3366aa' } });
  images.png = await base.clone().png().toBuffer();
  images.jpeg = await base.clone().jpeg().toBuffer();
  images.gif = await base.clone().gif().toBuffer();
  images.webp = await base.clone().webp().toBuffer();
  images.webpLossless = await base.clone().webp({ lossless: true }).toBuffer();
  images.webpAlpha = await sharp(await pngOf(37, 23, true))
    .webp()
    .toBuffer();
  images.progressive = await base.clone().jpeg({ progressive: true }).toBuffer();
  speech = makeSpeech('One two three.');
});

describe('sniff', () => {
  it('tells types apart by their first bytes only', () => {
    expect(sniff(images.png as Buffer)).toBe('image/png');
    expect(sniff(images.jpeg as Buffer)).toBe('image/jpeg');
    expect(sniff(images.gif as Buffer)).toBe('image/gif');
    expect(sniff(images.webp as Buffer)).toBe('image/webp');
    expect(sniff(speech.webm)).toBe('audio/webm');
    expect(sniff(speech.ogg)).toBe('audio/ogg');
    expect(sniff(Buffer.from('<html><body>hi</body></html>'))).toBeNull();
    expect(sniff(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
    expect(sniff(new Uint8Array(0))).toBeNull();
  });
});

describe('image headers', () => {
  it('reads size and end of every format without decoding', () => {
    for (const [name, bytes] of Object.entries(images)) {
      const header = readImageHeader(bytes);
      expect({
        name,
        width: header.width,
        height: header.height,
        frames: header.frames,
        end: header.end,
      }).toEqual({
        name,
        width: 37,
        height: 23,
        frames: 1,
        end: bytes.length,
      });
    }
  });

  it('calls every cut-short file truncated (or not an image at all), never anything else', () => {
    for (const [name, bytes] of Object.entries(images)) {
      for (let n = 0; n < bytes.length; n++) {
        const code = codeOf(() => readImageHeader(bytes.subarray(0, n)));
        expect(['media_truncated', 'media_type_unsupported'], `${name} cut at ${n}`).toContain(code);
        if (n >= 16) expect(code, `${name} cut at ${n}`).toBe('media_truncated');
      }
    }
  });

  it('answers damaged images with a domain error or a header, never a crash', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(images)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (name, edits) => {
          const bytes = Buffer.from(images[name] as Buffer);
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          try {
            const header = readImageHeader(bytes);
            assertNotPolyglot(bytes, header);
            assertPixels(header);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('counts the frames of an animation', async () => {
    const frames = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        sharp({ create: { width: 8, height: 6, channels: 3, background: { r: i * 60, g: 0, b: 0 } } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    const webp = await sharp(frames, { join: { animated: true } })
      .webp()
      .toBuffer();
    expect(readImageHeader(gif)).toMatchObject({ width: 8, height: 6, frames: 4, end: gif.length });
    expect(readImageHeader(webp)).toMatchObject({ width: 8, height: 6, frames: 4, end: webp.length });
  });

  it("reads a bomb's claimed size in every format and refuses it before decoding", async () => {
    const patched: Record<string, Buffer> = {};
    const gif = Buffer.from(images.gif as Buffer);
    gif.writeUInt16LE(30_000, 6);
    gif.writeUInt16LE(30_000, 8);
    patched.gif = gif;
    const jpeg = Buffer.from(images.jpeg as Buffer);
    let pos = 2;
    while (jpeg[pos + 1] !== 0xc0) pos += 2 + jpeg.readUInt16BE(pos + 2);
    jpeg.writeUInt16BE(30_000, pos + 5);
    jpeg.writeUInt16BE(30_000, pos + 7);
    patched.jpeg = jpeg;
    const webp = Buffer.from(images.webp as Buffer);
    expect(webp.toString('latin1', 12, 16)).toBe('VP8 ');
    webp.writeUInt16LE(16_000, 26);
    webp.writeUInt16LE(16_000, 28);
    patched.webp = webp;
    for (const [name, bytes] of Object.entries(patched)) {
      const header = readImageHeader(bytes);
      expect(header.width * header.height, name).toBeGreaterThan(200_000_000);
      await expect(processPhoto(bytes), name).rejects.toMatchObject({ code: 'media_too_many_pixels' });
    }
  });

  it('refuses pixels over the limit from the header alone', () => {
    const header = { type: 'image/png' as const, end: 0, frames: 1 };
    expect(codeOf(() => assertPixels({ ...header, width: 30_000, height: 30_000 }))).toBe(
      'media_too_many_pixels',
    );
    expect(codeOf(() => assertPixels({ ...header, width: 10_000, height: 5_000 }))).toBe('none');
    expect(codeOf(() => assertPixels({ ...header, width: 10_000, height: 5_001 }))).toBe(
      'media_too_many_pixels',
    );
    expect(codeOf(() => assertPixels({ ...header, width: 2_000, height: 1_000, frames: 50 }))).toBe('none');
    expect(codeOf(() => assertPixels({ ...header, width: 2_000, height: 1_000, frames: 51 }))).toBe(
      'media_too_many_pixels',
    );
  });

  it('sees data after the end, or another format inside, as a polyglot', () => {
    const png = images.png as Buffer;
    const withTail = Buffer.concat([png, Buffer.from('PK\x03\x04rest')]);
    expect(codeOf(() => assertNotPolyglot(withTail, readImageHeader(withTail)))).toBe('media_polyglot');
    const padded = Buffer.concat([png, Buffer.alloc(8)]);
    expect(codeOf(() => assertNotPolyglot(padded, readImageHeader(padded)))).toBe('none');
    const jpeg = images.jpeg as Buffer;
    const mpf = Buffer.concat([jpeg, jpeg]);
    expect(codeOf(() => assertNotPolyglot(mpf, readImageHeader(mpf)))).toBe('none');
    const html = Buffer.concat([jpeg.subarray(0, 20), Buffer.from('<SCRIPT src=x>'), jpeg.subarray(20)]);
    expect(codeOf(() => assertNotPolyglot(html, { ...readImageHeader(jpeg), end: html.length }))).toBe(
      'media_polyglot',
    );
  });
});

describe('voice containers', () => {
  it('measures WebM and Ogg from their audio', () => {
    expect(Math.abs(parseWebm(speech.webm).durationMs - speech.durationMs)).toBeLessThanOrEqual(30);
    expect(Math.abs(parseOgg(speech.ogg).durationMs - speech.durationMs)).toBeLessThanOrEqual(30);
    expect(parseVoice(speech.longOgg).durationMs).toBe(62_000);
  });

  it('refuses another codec', () => {
    expect(codeOf(() => parseVoice(speech.vorbisWebm))).toBe('voice_not_opus');
  });

  it('calls every cut-short clip truncated or unsupported, never a crash', () => {
    for (const bytes of [speech.webm, speech.ogg]) {
      for (let n = 0; n < bytes.length; n += 97) {
        expect(['media_truncated', 'media_type_unsupported', 'voice_not_opus']).toContain(
          codeOf(() => parseVoice(bytes.subarray(0, n))),
        );
      }
    }
  });

  it('survives random corruption with a domain error or a result', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: speech.webm.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        (at, v) => {
          for (const source of [speech.webm, speech.ogg]) {
            const bytes = Buffer.from(source);
            bytes[at % bytes.length] = v;
            try {
              parseVoice(bytes);
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('knows the length of an Opus packet from its TOC byte', () => {
    expect(opusPacketDurationUs(Uint8Array.of(0b11111000))).toBe(20_000); // CELT FB 20 ms, one frame
    expect(opusPacketDurationUs(Uint8Array.of(0b11111001))).toBe(40_000); // two frames
    expect(opusPacketDurationUs(Uint8Array.of(0b00011000))).toBe(60_000); // SILK NB 60 ms
    expect(opusPacketDurationUs(Uint8Array.of(0b01100000))).toBe(10_000); // hybrid 10 ms (config 12)
    expect(opusPacketDurationUs(Uint8Array.of(0b10000011, 3))).toBe(7_500); // CELT 2.5 ms × 3
    expect(opusPacketDurationUs(new Uint8Array(0))).toBe(0);
  });
});

describe('waveforms and ranges', () => {
  it('takes 1 to 100 samples from 0 to 255', () => {
    expect(parseWaveform('0,128,255')).toEqual([0, 128, 255]);
    for (const bad of [
      undefined,
      '',
      ',',
      '1,,2',
      '-1',
      '1.5',
      '256',
      ' 1',
      Array(101).fill('0').join(','),
    ]) {
      expect(
        codeOf(() => parseWaveform(bad)),
        String(bad),
      ).toBe('invalid_request');
    }
  });

  it('answers a range inside the file, or the whole file, or refuses one past its end', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-5', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
    expect(codeOf(() => parseRange('bytes=100-', 100))).toBe('range_not_satisfiable');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.nat(20_000), fc.nat(20_000), (size, a, b) => {
        try {
          const r = parseRange(`bytes=${a}-${b}`, size);
          if (r) expect(0 <= r.start && r.start <= r.end && r.end < size).toBe(true);
        } catch (error) {
          expect((error as DomainError).code).toBe('range_not_satisfiable');
          expect(a).toBeGreaterThanOrEqual(size);
        }
      }),
    );
  });
});
