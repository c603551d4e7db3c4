import jsQRModule from 'jsqr';

type JsQr = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' },
) => { data: string } | null;

// jsQR is a CommonJS bundle with `exports.default`: depending on the bundler's interop the
// default import is the function itself or the module object holding it.
const jsQR: JsQr =
  typeof jsQRModule === 'function'
    ? (jsQRModule as unknown as JsQr)
    : (jsQRModule as unknown as { default: JsQr }).default;

/** Largest side a frame or picture is scaled down to before decoding (speed; QR codes stay legible). */
const MAX_SIDE = 1024;

export function fitWithin(width: number, height: number, max = MAX_SIDE): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The text of the QR code in a picture, or null when there is none. */
export function decodeImageData(image: ImageData, thorough = false): string | null {
  const found = jsQR(image.data, image.width, image.height, {
    inversionAttempts: thorough ? 'attemptBoth' : 'dontInvert',
  });
  return found && found.data !== '' ? found.data : null;
}

/** Draws a video frame or an image onto `canvas` (scaled down) and decodes it. */
export function decodeSource(
  source: CanvasImageSource,
  sourceWidth: number,
  sourceHeight: number,
  canvas: HTMLCanvasElement,
  thorough = false,
): string | null {
  if (sourceWidth === 0 || sourceHeight === 0) return null;
  const { width, height } = fitWithin(sourceWidth, sourceHeight);
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return null;
  context.drawImage(source, 0, 0, width, height);
  return decodeImageData(context.getImageData(0, 0, width, height), thorough);
}

function loadImage(file: Blob): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(file);
    const image = new Image();
    image.onload = () => {
      URL.revokeObjectURL(url);
      resolve(image);
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('not an image'));
    };
    image.src = url;
  });
}

/** The text of the QR code in an image file (photo, screenshot), or null. */
export async function decodeImageFile(file: Blob): Promise<string | null> {
  const canvas = document.createElement('canvas');
  try {
    if (typeof createImageBitmap === 'function') {
      const bitmap = await createImageBitmap(file);
      try {
        return decodeSource(bitmap, bitmap.width, bitmap.height, canvas, true);
      } finally {
        bitmap.close();
      }
    }
  } catch {
    // Fall back to an <img> below (older Safari).
  }
  try {
    const image = await loadImage(file);
    return decodeSource(image, image.naturalWidth, image.naturalHeight, canvas, true);
  } catch {
    return null;
  }
}
