import { type BridgeImage, isBridgeError, media, ui } from '@jiaozi/sdk';
import type { Review, SessionResponse } from '../../shared/api.js';
import type { RestaurantsApi } from './api.js';

export const REVIEW_PHOTOS_MAX = 9;
export const PHOTO_BYTES_MAX = 5 * 1024 * 1024;
export const REVIEW_TEXT_MAX_CHARS = 1000;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

export interface PickedPhotos {
  accepted: BridgeImage[];
  /** Left out, with why: the server would refuse them too. */
  rejected: { name: string; reason: 'type' | 'size' }[];
}

/**
 * Lets the user pick photos through the host (`media.chooseImage`), up to what the review
 * has room for. Closing the picker picks nothing.
 */
export async function pickPhotos(already: number): Promise<PickedPhotos> {
  const room = REVIEW_PHOTOS_MAX - already;
  if (room <= 0) return { accepted: [], rejected: [] };
  let images: BridgeImage[];
  try {
    ({ images } = await media.chooseImage({ count: room }));
  } catch (error) {
    if (isBridgeError(error, 'user_cancelled')) return { accepted: [], rejected: [] };
    throw error;
  }
  const picked: PickedPhotos = { accepted: [], rejected: [] };
  for (const image of images.slice(0, room)) {
    if (!PHOTO_TYPES.has(image.type)) picked.rejected.push({ name: image.name, reason: 'type' });
    else if (image.data.byteLength > PHOTO_BYTES_MAX)
      picked.rejected.push({ name: image.name, reason: 'size' });
    else picked.accepted.push(image);
  }
  return picked;
}

export interface ReviewDraft {
  rating: number;
  text: string;
  photos: BridgeImage[];
}

/** Why a draft cannot be posted yet, or null. */
export function draftProblem(draft: ReviewDraft): string | null {
  if (!Number.isInteger(draft.rating) || draft.rating < 1 || draft.rating > 5) return 'Choose 1 to 5 stars.';
  const text = draft.text.trim();
  if (text.length === 0) return 'Write a few words.';
  if (text.length > REVIEW_TEXT_MAX_CHARS) return `At most ${REVIEW_TEXT_MAX_CHARS} characters.`;
  if (draft.photos.length > REVIEW_PHOTOS_MAX) return `At most ${REVIEW_PHOTOS_MAX} photos.`;
  return null;
}

/** Uploads the photos one by one to the guide's server, then posts the review. */
export async function postReview(
  api: RestaurantsApi,
  session: SessionResponse,
  restaurantId: string,
  draft: ReviewDraft,
): Promise<Review> {
  const problem = draftProblem(draft);
  if (problem !== null) throw new RangeError(problem);
  const photoIds: string[] = [];
  for (const photo of draft.photos) {
    photoIds.push((await api.uploadPhoto(session.token, { type: photo.type, data: photo.data })).photoId);
  }
  const review = await api.postReview(session.token, restaurantId, {
    rating: draft.rating,
    text: draft.text.trim(),
    photoIds,
  });
  await ui.showToast('Review posted');
  return review;
}
