/**
 * Test fixtures for media, made at run time: images with sharp or byte by byte, speech
 * with espeak-ng and ffmpeg (Debian packages that CI installs), multipart bodies by hand.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflate } from 'node:zlib';
import sharp from 'sharp';

export interface MultipartBody {
  payload: Buffer;
  headers: Record<string, string>;
}

/** A multipart/form-data body with text fields and one file part named `file`. */
export function multipart(
  file: Uint8Array | null,
  options: { filename?: string; contentType?: string; fields?: Record<string, string> } = {},
): MultipartBody {
  const boundary = `----jiaozi${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(options.fields ?? {})) {
    chunks.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${options.filename ?? 'upload.bin'}"\r\ncontent-type: ${options.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      Buffer.from(file),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** A JPEG "taken" by a camera: EXIF with make, model and a GPS position, rotated by its orientation tag. */
export function cameraJpeg(width = 200, height = 100): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'JiaoziCam', Model: 'Field Unit 1', Copyright: 'Alice Example' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '39/1 54/1 2700/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '116/1 23/1 2900/100',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export function pngOf(width: number, height: number, alpha = false): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: alpha ? 4 : 3, background: { r: 10, g: 120, b: 200, alpha: 0.5 } },
  })
    .png()
    .toBuffer();
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A decompression bomb: a complete, valid grayscale PNG of `side` × `side` pixels, all
 * black, whose IDAT deflates to a few hundred KiB. Made row by row, so the test never
 * holds the pixels either.
 */
export async function pngBomb(side: number): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const row = Buffer.alloc(side + 1); // filter byte 0, then zeros
  const rowsPerWrite = 256;
  const block = Buffer.concat(Array.from({ length: rowsPerWrite }, () => row));
  for (let y = 0; y < side; y += rowsPerWrite) {
    const n = Math.min(rowsPerWrite, side - y);
    const ok = deflate.write(n === rowsPerWrite ? block : block.subarray(0, n * row.length));
    if (!ok) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.concat(parts)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A minimal ZIP archive holding one stored file: what a polyglot appends to an image. */
export function zipOf(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const localLength = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(localLength, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

/** JPEG segments by marker, as a reader walks them up to the start of scan. */
export function jpegMarkers(bytes: Uint8Array): number[] {
  const markers: number[] = [];
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1] as number;
    markers.push(marker);
    if (marker === 0xda) break;
    pos += 2 + (((bytes[pos + 2] as number) << 8) | (bytes[pos + 3] as number));
  }
  return markers;
}

export interface Speech {
  dir: string;
  wav: string;
  /** The WAV's length, from its header. */
  durationMs: number;
  webm: Buffer;
  ogg: Buffer;
  vorbisWebm: Buffer;
  longOgg: Buffer;
}

/** Speech from espeak-ng, encoded by ffmpeg into the containers a browser records. */
export function makeSpeech(
  text = 'Hello Bob, this is Alice. The photos are from our trip to Chengdu.',
): Speech {
  const dir = mkdtempSync(join(tmpdir(), 'jiaozi-speech-'));
  const wav = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-w', wav, text]);
  const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
  ffmpeg('-i', wav, '-c:a', 'libopus', join(dir, 'speech.webm'));
  ffmpeg('-i', wav, '-c:a', 'libopus', join(dir, 'speech.ogg'));
  ffmpeg('-i', wav, '-c:a', 'libvorbis', join(dir, 'vorbis.webm'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=62', '-c:a', 'libopus', join(dir, 'long.ogg'));
  const header = readFileSync(wav);
  const byteRate = header.readUInt32LE(28);
  let pos = 12;
  let dataBytes = 0;
  while (pos + 8 <= header.length) {
    const id = header.toString('latin1', pos, pos + 4);
    const size = header.readUInt32LE(pos + 4);
    if (id === 'data') {
      dataBytes = Math.min(size, header.length - pos - 8);
      break;
    }
    pos += 8 + size + (size & 1);
  }
  return {
    dir,
    wav,
    durationMs: Math.round((dataBytes * 1000) / byteRate),
    webm: readFileSync(join(dir, 'speech.webm')),
    ogg: readFileSync(join(dir, 'speech.ogg')),
    vorbisWebm: readFileSync(join(dir, 'vorbis.webm')),
    longOgg: readFileSync(join(dir, 'long.ogg')),
  };
}
