import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { DomainError } from '../kernel/errors.js';
import {
  avatarSizesPx,
  imageJobsConcurrentMax,
  imageJobsQueuedMax,
  photoAnimationPixelsMax,
  photoPixelsMax,
  photoPlaceholderSideMaxPx,
  photoSideMaxPx,
  photoThumbSideMaxPx,
} from '../kernel/limits.js';
import { JobQueue } from './job-queue.js';
import {
  assertNotPolyglot,
  assertPixels,
  framesKept,
  type ImageHeader,
  readImageHeader,
} from './media.core.js';

// libvips keeps no cache of decoded images between requests: memory stays what one upload needs.
sharp.cache(false);

/** Decoding is the expensive part: a node decodes a few images at once, the rest wait their turn. */
const decoding = new JobQueue(imageJobsConcurrentMax, imageJobsQueuedMax);

export interface EncodedImage {
  bytes: Buffer;
  contentType: 'image/jpeg' | 'image/webp';
}

export interface ProcessedPhoto {
  file: EncodedImage;
  thumb: EncodedImage;
  width: number;
  height: number;
  frames: number;
  placeholder: string;
}

/**
 * Checks what an image declares before decoding it: type, structure (truncated, polyglot)
 * and pixel count. Only then does libvips see it, with its own pixel limit as a second guard.
 */
export function inspectImage(bytes: Uint8Array): ImageHeader {
  const header = readImageHeader(bytes);
  assertNotPolyglot(bytes, header);
  assertPixels(header);
  return header;
}

function decodeError(error: unknown): DomainError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new DomainError('media_too_many_pixels', 'The image has too many pixels.', {
      maxPixels: photoPixelsMax,
    });
  }
  return new DomainError('media_truncated', 'The image is incomplete or damaged and cannot be read.');
}

function input(bytes: Uint8Array, frames: number): ReturnType<typeof sharp> {
  return sharp(bytes, {
    limitInputPixels: frames > 1 ? photoAnimationPixelsMax : photoPixelsMax,
    failOn: 'warning',
    animated: frames > 1,
    pages: frames,
  });
}

/** A placeholder: the ThumbHash of the image shrunk to at most 100 × 100, in base64. */
async function placeholderOf(image: Uint8Array): Promise<string> {
  const { data, info } = await sharp(image, { pages: 1 })
    .resize(photoPlaceholderSideMaxPx, photoPlaceholderSideMaxPx, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}

/**
 * Re-encodes a photo: orientation applied, every piece of metadata (EXIF, GPS, XMP, ICC,
 * comments) dropped, at most 2560 px on its longer side; JPEG, or WebP when it has
 * transparency or frames (animations stay animated, up to the frame limit). Then a WebP
 * thumbnail and a placeholder.
 */
export async function processPhoto(bytes: Uint8Array): Promise<ProcessedPhoto> {
  const header = inspectImage(bytes);
  return decoding.run(() => encodePhoto(bytes, header));
}

async function encodePhoto(bytes: Uint8Array, header: ImageHeader): Promise<ProcessedPhoto> {
  const frames = framesKept(header);
  try {
    const meta = await input(bytes, frames).metadata();
    const animated = frames > 1;
    let pipeline = input(bytes, frames)
      .rotate()
      .resize(photoSideMaxPx, photoSideMaxPx, { fit: 'inside', withoutEnlargement: true });
    const webp = animated || meta.hasAlpha === true;
    pipeline = webp
      ? pipeline.webp({ quality: 82, effort: 4 })
      : pipeline.jpeg({ quality: 85, mozjpeg: true });
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    const height = animated ? (info.pageHeight ?? info.height) : info.height;
    const thumb = await sharp(data, { pages: 1 })
      .resize(photoThumbSideMaxPx, photoThumbSideMaxPx, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toBuffer();
    return {
      file: { bytes: data, contentType: webp ? 'image/webp' : 'image/jpeg' },
      thumb: { bytes: thumb, contentType: 'image/webp' },
      width: info.width,
      height,
      frames: animated ? frames : 1,
      placeholder: await placeholderOf(thumb),
    };
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw decodeError(error);
  }
}

/** Square avatars (centre of interest kept) in every size, WebP, metadata dropped. */
export async function processAvatar(bytes: Uint8Array): Promise<Map<number, EncodedImage>> {
  inspectImage(bytes);
  return decoding.run(() => encodeAvatar(bytes));
}

async function encodeAvatar(bytes: Uint8Array): Promise<Map<number, EncodedImage>> {
  const out = new Map<number, EncodedImage>();
  try {
    for (const size of avatarSizesPx) {
      const data = await input(bytes, 1)
        .rotate()
        .resize(size, size, { fit: 'cover', position: sharp.strategy.attention })
        .webp({ quality: 80 })
        .toBuffer();
      out.set(size, { bytes: data, contentType: 'image/webp' });
    }
  } catch (error) {
    throw decodeError(error);
  }
  return out;
}
