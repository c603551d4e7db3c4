/**
 * Wire types of the media domain: photos (albums), voice messages and avatars. Files are
 * uploaded first (multipart), then sent in a message that names them. Their bytes are read
 * through short-lived signed links that `GET /v1/media/:id` hands out.
 */

/** One photo of an album, as a `photo` message's payload lists it. */
export interface PhotoItem {
  mediaId: string;
  width: number;
  height: number;
  /** A ThumbHash (base64) to paint before the thumbnail arrives. */
  placeholder: string;
  animated: boolean;
}

/** The payload of a `photo` message: an album of one or more photos. */
export interface PhotoPayload {
  photos: PhotoItem[];
}

/** The payload of a `voice` message. */
export interface VoicePayload {
  voice: { mediaId: string; durationMs: number; waveform: number[] };
}

export type MediaKind = 'photo' | 'voice' | 'avatar';

/** What an upload answers, and what `GET /v1/media/:id` tells a reader. */
export interface MediaInfo {
  id: string;
  kind: MediaKind;
  contentType: string;
  byteSize: number;
  width: number | null;
  height: number | null;
  /** 1 for a still photo; more for an animation. */
  frames: number;
  durationMs: number | null;
  waveform: number[] | null;
  placeholder: string | null;
  createdAt: string;
}

/** Signed links to a media file, good until `expiresAt`. */
export interface MediaLinks extends MediaInfo {
  url: string;
  /** Photos: the thumbnail. */
  thumbUrl: string | null;
  expiresAt: string;
  /** Voice: whether I have played it (always true for its sender). */
  played: boolean;
}

/** Send an album (`photos`) or a voice message (`voice`): exactly one of the two. */
export interface SendMediaRequest {
  /** The client's UUIDv7, as for any message. */
  id: string;
  photos?: string[];
  voice?: string;
  replyTo?: string;
}

/** Update-log topics of the media domain. */
export interface MediaEvents {
  /** To the listener's devices and the sender: `userId` played the voice message. */
  'media.played': { conversationId: string; messageId: string; mediaId: string; userId: string };
}
