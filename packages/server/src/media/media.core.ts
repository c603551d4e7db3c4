/**
 * Pure rules of the media domain: what a file is (sniffed from its first bytes, never from
 * its name or the client's header), the size and frame count an image declares in its
 * header (read before anything is decoded, so a decompression bomb costs nothing), where an
 * image's own structure ends (bytes past it make a polyglot), waveforms, HTTP ranges and
 * what a media link signs. No I/O here.
 */
import { DomainError } from '../kernel/errors.js';
import {
  photoAnimationPixelsMax,
  photoFramesMax,
  photoPixelsMax,
  voiceWaveformSamplesMax,
  voiceWaveformValueMax,
} from '../kernel/limits.js';

export type ImageType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';
export type AudioType = 'audio/webm' | 'audio/ogg';
export type SniffedType = ImageType | AudioType;

export const IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
]);
export const AUDIO_TYPES: ReadonlySet<string> = new Set(['audio/webm', 'audio/ogg']);

/** Bytes `sniff` needs to tell every type apart. */
export const SNIFF_BYTES = 16;

function startsWith(buf: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (buf.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** The type a file's first bytes say it is, or null for anything else. */
export function sniff(head: Uint8Array): SniffedType | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'audio/webm';
  if (startsWith(head, ascii('OggS'))) return 'audio/ogg';
  return null;
}

export interface ImageHeader {
  type: ImageType;
  width: number;
  height: number;
  /** 1 for a still image. */
  frames: number;
  /** Where the image's own structure ends: the file's length for a clean file. */
  end: number;
}

function truncated(): DomainError {
  return new DomainError('media_truncated', 'The file ends before the image does.');
}

function damaged(what: string): DomainError {
  return new DomainError('media_truncated', `The image is damaged: ${what}.`);
}

function u16be(b: Uint8Array, at: number): number {
  if (at + 2 > b.length) throw truncated();
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}

function u32be(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) throw truncated();
  return (
    (((b[at] as number) << 24) >>> 0) +
    (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number))
  );
}

function u16le(b: Uint8Array, at: number): number {
  if (at + 2 > b.length) throw truncated();
  return (b[at] as number) | ((b[at + 1] as number) << 8);
}

function u24le(b: Uint8Array, at: number): number {
  if (at + 3 > b.length) throw truncated();
  return (b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16);
}

function u32le(b: Uint8Array, at: number): number {
  return u16le(b, at) + u16le(b, at + 2) * 0x10000;
}

function byteAt(b: Uint8Array, at: number): number {
  const v = b[at];
  if (v === undefined) throw truncated();
  return v;
}

function pngHeader(b: Uint8Array): ImageHeader {
  let pos = 8;
  let width = 0;
  let height = 0;
  let frames = 1;
  let first = true;
  for (;;) {
    const length = u32be(b, pos);
    const type = String.fromCharCode(...b.subarray(pos + 4, pos + 8));
    const next = pos + 12 + length;
    if (next > b.length) throw truncated();
    if (first) {
      if (type !== 'IHDR' || length !== 13) throw damaged('it does not start with its header');
      width = u32be(b, pos + 8);
      height = u32be(b, pos + 12);
      first = false;
    } else if (type === 'acTL' && length >= 8) {
      frames = Math.max(1, u32be(b, pos + 8));
    }
    pos = next;
    if (type === 'IEND') return { type: 'image/png', width, height, frames, end: pos };
  }
}

/** Skips GIF sub-blocks (size byte, data) up to the zero terminator. */
function gifSubBlocks(b: Uint8Array, pos: number): number {
  let p = pos;
  for (;;) {
    const size = byteAt(b, p);
    p += 1;
    if (size === 0) return p;
    p += size;
    if (p > b.length) throw truncated();
  }
}

function gifHeader(b: Uint8Array): ImageHeader {
  const width = u16le(b, 6);
  const height = u16le(b, 8);
  const packed = byteAt(b, 10);
  let pos = 13;
  if (packed & 0x80) pos += 3 * (1 << ((packed & 7) + 1));
  let frames = 0;
  for (;;) {
    const block = byteAt(b, pos);
    if (block === 0x3b) {
      return { type: 'image/gif', width, height, frames: Math.max(1, frames), end: pos + 1 };
    }
    if (block === 0x21) {
      byteAt(b, pos + 1);
      pos = gifSubBlocks(b, pos + 2);
    } else if (block === 0x2c) {
      const local = byteAt(b, pos + 9);
      pos += 10;
      if (local & 0x80) pos += 3 * (1 << ((local & 7) + 1));
      byteAt(b, pos); // LZW minimum code size
      pos = gifSubBlocks(b, pos + 1);
      frames += 1;
    } else {
      throw damaged('an unknown GIF block');
    }
  }
}

function webpHeader(b: Uint8Array): ImageHeader {
  const end = 8 + u32le(b, 4);
  if (end > b.length) throw truncated();
  let pos = 12;
  let width = 0;
  let height = 0;
  let frames = 0;
  let animated = false;
  let sized = false;
  while (pos + 8 <= end) {
    const type = String.fromCharCode(...b.subarray(pos, pos + 4));
    const size = u32le(b, pos + 4);
    const data = pos + 8;
    const next = data + size + (size & 1);
    if (data + size > end) throw truncated();
    if (!sized && type === 'VP8X') {
      animated = (byteAt(b, data) & 0x02) !== 0;
      width = u24le(b, data + 4) + 1;
      height = u24le(b, data + 7) + 1;
      sized = true;
    } else if (!sized && type === 'VP8 ') {
      if (!startsWith(b, [0x9d, 0x01, 0x2a], data + 3)) throw damaged('a VP8 frame without its start code');
      width = u16le(b, data + 6) & 0x3fff;
      height = u16le(b, data + 8) & 0x3fff;
      sized = true;
    } else if (!sized && type === 'VP8L') {
      if (byteAt(b, data) !== 0x2f) throw damaged('a lossless frame without its signature');
      const bits = u32le(b, data + 1);
      width = (bits & 0x3fff) + 1;
      height = ((bits >>> 14) & 0x3fff) + 1;
      sized = true;
    } else if (type === 'ANMF') {
      frames += 1;
    }
    pos = next;
  }
  if (!sized) throw damaged('a WebP file without an image');
  return { type: 'image/webp', width, height, frames: animated ? Math.max(1, frames) : 1, end };
}

const SOF_MARKERS: ReadonlySet<number> = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

function jpegHeader(b: Uint8Array): ImageHeader {
  let pos = 2;
  let width = 0;
  let height = 0;
  for (;;) {
    if (byteAt(b, pos) !== 0xff) throw damaged('a JPEG segment without its marker');
    let marker = byteAt(b, pos + 1);
    while (marker === 0xff) {
      pos += 1;
      marker = byteAt(b, pos + 1);
    }
    pos += 2;
    if (marker === 0xd9) {
      if (width === 0 || height === 0) throw damaged('a JPEG without a frame header');
      return { type: 'image/jpeg', width, height, frames: 1, end: pos };
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    const length = u16be(b, pos);
    if (length < 2) throw damaged('a JPEG segment of impossible length');
    if (pos + length > b.length) throw truncated();
    if (SOF_MARKERS.has(marker)) {
      height = u16be(b, pos + 3);
      width = u16be(b, pos + 5);
    }
    pos += length;
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed byte or a restart.
      for (;;) {
        if (pos + 1 >= b.length) throw truncated();
        if (b[pos] === 0xff) {
          const n = b[pos + 1] as number;
          if (n !== 0x00 && !(n >= 0xd0 && n <= 0xd7) && n !== 0xff) break;
        }
        pos += 1;
      }
    }
  }
}

/**
 * Reads an image's size, frame count and end from its header and structure without
 * decoding a pixel. A file that ends early is `media_truncated`.
 */
export function readImageHeader(b: Uint8Array): ImageHeader {
  const type = sniff(b.subarray(0, SNIFF_BYTES));
  switch (type) {
    case 'image/png':
      return pngHeader(b);
    case 'image/gif':
      return gifHeader(b);
    case 'image/webp':
      return webpHeader(b);
    case 'image/jpeg':
      return jpegHeader(b);
    default:
      throw new DomainError('media_type_unsupported', 'Photos are JPEG, PNG, GIF or WebP.');
  }
}

/**
 * Signatures of formats that have no business inside an image file, long enough that the
 * compressed data of a real photo does not hold one by chance.
 */
const FOREIGN_SIGNATURES: readonly { bytes: readonly number[]; caseless: boolean }[] = [
  { bytes: ascii('<script'), caseless: true },
  { bytes: ascii('<html'), caseless: false },
  { bytes: ascii('<?php'), caseless: false },
  { bytes: ascii('%PDF-'), caseless: false },
];
/** A ZIP reader looks for its directory's end this far from the end of the file. */
const ZIP_DIRECTORY_END_SEARCH_BYTES = 22 + 0xffff;
const ZIP_DIRECTORY_END = [0x50, 0x4b, 0x05, 0x06];

function indexOfBytes(haystack: Uint8Array, needle: readonly number[], caseless: boolean): number {
  const first = needle[0] as number;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    const c = haystack[i] as number;
    if (c !== first && !(caseless && (c | 0x20) === first)) continue;
    for (let j = 1; j < needle.length; j++) {
      const h = haystack[i + j] as number;
      const n = needle[j] as number;
      if (h !== n && !(caseless && n >= 0x61 && n <= 0x7a && (h | 0x20) === n)) continue outer;
    }
    return i;
  }
  return -1;
}

/**
 * Refuses a polyglot: bytes after the image's end (other than zero padding, or a second
 * JPEG such as a phone's multi-picture preview), or another format's signature inside.
 */
export function assertNotPolyglot(b: Uint8Array, header: ImageHeader): void {
  const tail = b.subarray(header.end);
  const secondJpeg = header.type === 'image/jpeg' && startsWith(tail, [0xff, 0xd8, 0xff]);
  if (!secondJpeg && tail.some((byte) => byte !== 0)) {
    throw new DomainError('media_polyglot', 'The file has data after the end of the image.', {
      extraBytes: tail.length,
    });
  }
  const hidden =
    FOREIGN_SIGNATURES.some((s) => indexOfBytes(b, s.bytes, s.caseless) >= 0) ||
    indexOfBytes(
      b.subarray(Math.max(0, b.length - ZIP_DIRECTORY_END_SEARCH_BYTES)),
      ZIP_DIRECTORY_END,
      false,
    ) >= 0;
  if (hidden) throw new DomainError('media_polyglot', 'The file hides another format inside the image.');
}

/** Frames an animation keeps: its own count up to the limit. */
export function framesKept(header: ImageHeader): number {
  return Math.min(header.frames, photoFramesMax);
}

/** Refuses an image that declares more pixels than allowed, before it is decoded. */
export function assertPixels(header: ImageHeader): void {
  const pixels = header.width * header.height;
  const frames = framesKept(header);
  if (header.width < 1 || header.height < 1) throw damaged('an image without pixels');
  if (pixels > photoPixelsMax || pixels * frames > photoAnimationPixelsMax) {
    throw new DomainError('media_too_many_pixels', 'The image has too many pixels.', {
      width: header.width,
      height: header.height,
      frames,
      maxPixels: photoPixelsMax,
      maxAnimationPixels: photoAnimationPixelsMax,
    });
  }
}

/** A waveform as the client sends it: comma-separated integers 0..max, 1 to 100 of them. */
export function parseWaveform(raw: string | undefined): number[] {
  const invalid = () =>
    new DomainError(
      'invalid_request',
      `The waveform is 1 to ${voiceWaveformSamplesMax} whole numbers from 0 to ${voiceWaveformValueMax}, separated by commas.`,
      { path: '/body/waveform' },
    );
  if (raw === undefined || raw.length > voiceWaveformSamplesMax * 4) throw invalid();
  const parts = raw.split(',');
  if (parts.length < 1 || parts.length > voiceWaveformSamplesMax) throw invalid();
  return parts.map((p) => {
    if (!/^\d{1,3}$/.test(p)) throw invalid();
    const n = Number(p);
    if (n > voiceWaveformValueMax) throw invalid();
    return n;
  });
}

/** The part of a file of `size` bytes a Range header asks for; null means the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or another unit: the whole file is a valid answer (RFC 9110 §14.2).
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return null;
  let start: number;
  let end: number;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
    if (to !== '' && Number(to) < start) return null;
  }
  if (start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): DomainError {
  return new DomainError('range_not_satisfiable', 'The range lies outside the file.', { size });
}

export type MediaVariant = 'file' | 'thumb';

/** What a media link's signature covers: the media, the variant, who asked and until when. */
export function linkMessage(mediaId: string, variant: MediaVariant, userId: string, expires: number): string {
  return `media-link.v1.${mediaId}.${variant}.${userId}.${expires}`;
}
