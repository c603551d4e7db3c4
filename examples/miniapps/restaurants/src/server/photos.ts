/**
 * Photos for reviews: the type is judged from the bytes (never the name or the header the
 * app sends), and the size is checked again, whatever the app already checked.
 */

export const PHOTO_BYTES_MAX = 5 * 1024 * 1024;
export const REVIEW_PHOTOS_MAX = 9;

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif';

/** The image type of some bytes, from their signature, or null. */
export function sniffImage(bytes: Uint8Array): PhotoType | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (bytes.length >= 3 && starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (bytes.length >= 8 && starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (
    bytes.length >= 6 &&
    (starts(0x47, 0x49, 0x46, 0x38, 0x37, 0x61) || starts(0x47, 0x49, 0x46, 0x38, 0x39, 0x61))
  ) {
    return 'image/gif';
  }
  if (
    bytes.length >= 12 &&
    starts(0x52, 0x49, 0x46, 0x46) &&
    bytes[8] === 0x57 &&
    bytes[9] === 0x45 &&
    bytes[10] === 0x42 &&
    bytes[11] === 0x50
  ) {
    return 'image/webp';
  }
  return null;
}

export function extensionOf(type: PhotoType): string {
  return { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' }[type];
}
