/**
 * Voice clips in pure JavaScript: WebM (EBML/Matroska, what Chromium's MediaRecorder
 * writes) and Ogg (Firefox's) are walked to check that they hold exactly one Opus track,
 * and the real duration is measured from the audio itself (WebM block timestamps plus the
 * last Opus packet's length; Ogg's final granule position less the pre-skip), never from
 * a header a client could write. No native tools, no I/O.
 */
import { DomainError } from '../kernel/errors.js';
import { sniff } from './media.core.js';

export interface VoiceInfo {
  container: 'audio/webm' | 'audio/ogg';
  durationMs: number;
}

function truncated(): DomainError {
  return new DomainError('media_truncated', 'The audio file ends before its own structure does.');
}

function notOpus(why: string): DomainError {
  return new DomainError('voice_not_opus', `A voice message is one Opus track: ${why}.`);
}

/**
 * Length in microseconds of one Opus packet, from its TOC byte (RFC 6716 §3.1): the frame
 * size its configuration names, times the frames it holds.
 */
export function opusPacketDurationUs(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) return 0;
  const config = toc >> 3;
  let frameUs: number;
  if (config < 12) frameUs = [10_000, 20_000, 40_000, 60_000][config % 4] as number;
  else if (config < 16) frameUs = config % 2 === 0 ? 10_000 : 20_000;
  else frameUs = [2_500, 5_000, 10_000, 20_000][config % 4] as number;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else frames = (packet[1] ?? 0) & 0x3f;
  return frameUs * frames;
}

// ── WebM ─────────────────────────────────────────────────────────────────────

const ID = {
  ebml: 0x1a45dfa3,
  docType: 0x4282,
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  codecId: 0x86,
  cluster: 0x1f43b675,
  timecode: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
} as const;

/** Children of a Segment: one of them ends a Cluster whose size was left unknown. */
const SEGMENT_CHILDREN: ReadonlySet<number> = new Set([
  0x114d9b74, 0x1549a966, 0x1654ae6b, 0x1f43b675, 0x1c53bb6b, 0x1941a469, 0x1043a770, 0x1254c367,
]);

interface Element {
  id: number;
  /** Where its data starts. */
  data: number;
  /** Where it ends; null when its size is unknown (a live recording's Segment and Clusters). */
  end: number | null;
}

function vintLength(first: number): number {
  for (let n = 1; n <= 8; n++) if (first & (0x80 >> (n - 1))) return n;
  throw new DomainError('media_truncated', 'The WebM file is damaged: a bad variable-length number.');
}

function readElement(b: Uint8Array, pos: number): Element {
  const idFirst = b[pos];
  if (idFirst === undefined) throw truncated();
  const idLength = vintLength(idFirst);
  if (idLength > 4) throw new DomainError('media_truncated', 'The WebM file is damaged: a bad element id.');
  if (pos + idLength > b.length) throw truncated();
  let id = 0;
  for (let i = 0; i < idLength; i++) id = id * 256 + (b[pos + i] as number);
  const sizeAt = pos + idLength;
  const sizeFirst = b[sizeAt];
  if (sizeFirst === undefined) throw truncated();
  const sizeLength = vintLength(sizeFirst);
  if (sizeAt + sizeLength > b.length) throw truncated();
  let size = sizeFirst & (0xff >> sizeLength);
  let unknown = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    const byte = b[sizeAt + i] as number;
    size = size * 256 + byte;
    if (byte !== 0xff) unknown = false;
  }
  const data = sizeAt + sizeLength;
  return { id, data, end: unknown ? null : data + size };
}

function uint(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 256 + (b[i] as number);
  return n;
}

function knownEnd(b: Uint8Array, e: Element): number {
  if (e.end === null)
    throw new DomainError('media_truncated', 'The WebM file is damaged: an element of unknown size.');
  if (e.end > b.length) throw truncated();
  return e.end;
}

interface Track {
  number: number;
  type: number;
  codec: string;
}

function readTracks(b: Uint8Array, from: number, to: number): Track[] {
  const tracks: Track[] = [];
  for (let pos = from; pos < to; ) {
    const e = readElement(b, pos);
    const end = knownEnd(b, e);
    if (e.id === ID.trackEntry) {
      const track: Track = { number: 0, type: 0, codec: '' };
      for (let p = e.data; p < end; ) {
        const c = readElement(b, p);
        const cEnd = knownEnd(b, c);
        if (c.id === ID.trackNumber) track.number = uint(b, c.data, cEnd);
        else if (c.id === ID.trackType) track.type = uint(b, c.data, cEnd);
        else if (c.id === ID.codecId) track.codec = String.fromCharCode(...b.subarray(c.data, cEnd));
        p = cEnd;
      }
      tracks.push(track);
    }
    pos = end;
  }
  return tracks;
}

/** Walks a WebM file: exactly one track, Opus audio; duration from the blocks' timestamps. */
export function parseWebm(b: Uint8Array): VoiceInfo {
  const header = readElement(b, 0);
  if (header.id !== ID.ebml) throw new DomainError('media_type_unsupported', 'This is not a WebM file.');
  const headerEnd = knownEnd(b, header);
  let docType = 'matroska';
  for (let p = header.data; p < headerEnd; ) {
    const c = readElement(b, p);
    const cEnd = knownEnd(b, c);
    if (c.id === ID.docType) docType = String.fromCharCode(...b.subarray(c.data, cEnd)).replace(/\0+$/, '');
    p = cEnd;
  }
  if (docType !== 'webm' && docType !== 'matroska') throw notOpus(`the document type is ${docType}`);
  const segment = readElement(b, headerEnd);
  if (segment.id !== ID.segment) throw truncated();
  const segmentEnd = segment.end === null ? b.length : segment.end;
  if (segmentEnd > b.length) throw truncated();

  let scaleNs = 1_000_000;
  let tracks: Track[] | null = null;
  let firstUs: number | null = null;
  let lastEndUs = 0;
  let blocks = 0;
  const onBlock = (clusterTime: number, data: number, end: number) => {
    if (tracks === null) throw notOpus('audio came before the track list');
    const trackFirst = b[data];
    if (trackFirst === undefined) throw truncated();
    const trackLength = vintLength(trackFirst);
    const track = uint(b, data, data + trackLength) - (0x80 >> (trackLength - 1)) * 256 ** (trackLength - 1);
    const [audio] = tracks;
    if (audio === undefined || track !== audio.number) throw notOpus('a block of another track');
    const at = data + trackLength;
    if (at + 3 > end) throw truncated();
    const relative = (((b[at] as number) << 24) >> 16) | (b[at + 1] as number);
    const flags = b[at + 2] as number;
    let payload = at + 3;
    let frames = 1;
    if (flags & 0x06) {
      frames = (b[payload] as number) + 1;
      payload += 1;
    }
    const startUs = ((clusterTime + relative) * scaleNs) / 1000;
    const endUs = startUs + opusPacketDurationUs(b.subarray(payload, end)) * frames;
    if (firstUs === null || startUs < firstUs) firstUs = startUs;
    if (endUs > lastEndUs) lastEndUs = endUs;
    blocks += 1;
  };

  for (let pos = segment.data; pos < segmentEnd; ) {
    const e = readElement(b, pos);
    if (e.id === ID.cluster) {
      let clusterTime = 0;
      let p = e.data;
      const limit = e.end === null ? segmentEnd : knownEnd(b, e);
      while (p < limit) {
        const c = readElement(b, p);
        if (e.end === null && SEGMENT_CHILDREN.has(c.id)) break;
        const cEnd = knownEnd(b, c);
        if (c.id === ID.timecode) clusterTime = uint(b, c.data, cEnd);
        else if (c.id === ID.simpleBlock) onBlock(clusterTime, c.data, cEnd);
        else if (c.id === ID.blockGroup) {
          for (let q = c.data; q < cEnd; ) {
            const g = readElement(b, q);
            const gEnd = knownEnd(b, g);
            if (g.id === ID.block) onBlock(clusterTime, g.data, gEnd);
            q = gEnd;
          }
        }
        p = cEnd;
      }
      pos = p;
      continue;
    }
    const end = knownEnd(b, e);
    if (e.id === ID.info) {
      for (let p = e.data; p < end; ) {
        const c = readElement(b, p);
        const cEnd = knownEnd(b, c);
        if (c.id === ID.timecodeScale) scaleNs = uint(b, c.data, cEnd);
        p = cEnd;
      }
    } else if (e.id === ID.tracks) {
      tracks = readTracks(b, e.data, end);
      if (tracks.length !== 1) throw notOpus(`the file has ${tracks.length} tracks`);
      const [only] = tracks;
      if (only?.type !== 2 || only.codec !== 'A_OPUS')
        throw notOpus(`its track is ${only?.codec || 'not audio'}`);
    }
    pos = end;
  }
  if (tracks === null) throw notOpus('the file has no track list');
  if (blocks === 0 || firstUs === null)
    throw new DomainError('media_truncated', 'The voice message holds no audio.');
  return { container: 'audio/webm', durationMs: Math.round((lastEndUs - firstUs) / 1000) };
}

// ── Ogg ──────────────────────────────────────────────────────────────────────

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const byte = i >= 22 && i < 26 ? 0 : (page[i] as number);
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] as number)) >>> 0;
  }
  return crc;
}

/** Walks Ogg pages (checksums checked): one logical stream that starts with OpusHead. */
export function parseOgg(b: Uint8Array): VoiceInfo {
  let pos = 0;
  let serial: number | null = null;
  let preSkip = 0;
  let lastGranule = -1;
  let pages = 0;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (pos < b.length) {
    if (pos + 27 > b.length) throw truncated();
    if (String.fromCharCode(...b.subarray(pos, pos + 4)) !== 'OggS' || b[pos + 4] !== 0) {
      throw new DomainError(
        'media_truncated',
        'The Ogg file is damaged: a page without its capture pattern.',
      );
    }
    const flags = b[pos + 5] as number;
    const granule = view.getBigInt64(pos + 6, true);
    const pageSerial = view.getUint32(pos + 14, true);
    const segments = b[pos + 26] as number;
    if (pos + 27 + segments > b.length) throw truncated();
    let bodyLength = 0;
    for (let i = 0; i < segments; i++) bodyLength += b[pos + 27 + i] as number;
    const end = pos + 27 + segments + bodyLength;
    if (end > b.length) throw truncated();
    if (oggCrc(b.subarray(pos, end)) !== view.getUint32(pos + 22, true)) {
      throw new DomainError('media_truncated', 'The Ogg file is damaged: a page checksum does not match.');
    }
    const body = b.subarray(pos + 27 + segments, end);
    if (pages === 0) {
      if (!(flags & 0x02)) throw truncated();
      if (String.fromCharCode(...body.subarray(0, 8)) !== 'OpusHead') throw notOpus('the stream is not Opus');
      preSkip = body.length >= 12 ? (body[10] as number) | ((body[11] as number) << 8) : 0;
      serial = pageSerial;
    } else if (pageSerial !== serial) {
      throw notOpus('the file has more than one stream');
    }
    if (granule >= 0n) lastGranule = Number(granule);
    pages += 1;
    pos = end;
  }
  if (pages < 3 || lastGranule < 0)
    throw new DomainError('media_truncated', 'The voice message holds no audio.');
  return {
    container: 'audio/ogg',
    durationMs: Math.round((Math.max(0, lastGranule - preSkip) * 1000) / 48_000),
  };
}

/** Reads a voice clip of either container; anything else is `media_type_unsupported`. */
export function parseVoice(b: Uint8Array): VoiceInfo {
  const type = sniff(b.subarray(0, 16));
  if (type === 'audio/webm') return parseWebm(b);
  if (type === 'audio/ogg') return parseOgg(b);
  throw new DomainError('media_type_unsupported', 'A voice message is Opus in WebM or Ogg.');
}
