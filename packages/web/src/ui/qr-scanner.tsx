import { type ChangeEvent, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client.js';
import { useI18n } from '../i18n/context.js';
import { FormError } from './form.js';
import { CloudOffIcon, ImageIcon, ScanIcon } from './icons.js';

/** The QR decoder (jsQR) is big: it is loaded with the first scanner shown, not with the app. */
type Decoder = typeof import('../wallet/qr-decode.js');
let decoder: Promise<Decoder> | undefined;
function loadDecoder(): Promise<Decoder> {
  decoder ??= import('../wallet/qr-decode.js');
  return decoder;
}

/** How often a camera frame is decoded. */
const FRAME_INTERVAL_MS = 200;

type CameraState = 'starting' | 'live' | 'unavailable' | 'off';

/**
 * A QR scanner: the camera (jsQR on video frames) or an uploaded image. `onCode` gets the text of
 * the first code found; while it runs nothing else is decoded. If it rejects, its error is shown
 * and scanning can start again; if it resolves, the caller is expected to move on.
 */
export function QrScanner({ onCode }: { onCode: (text: string) => Promise<void> }) {
  const { t } = useI18n();
  const videoRef = useRef<HTMLVideoElement>(null);
  const [cameraWanted, setCameraWanted] = useState(true);
  const [camera, setCamera] = useState<CameraState>('starting');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const handled = useRef(false);
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const resolve = async (text: string) => {
    if (handled.current) return;
    handled.current = true;
    setBusy(true);
    setError(null);
    try {
      await onCode(text);
    } catch (caught) {
      if (!live.current) return;
      setError(caught);
      setBusy(false);
      handled.current = false;
    }
  };
  const resolveRef = useRef(resolve);
  resolveRef.current = resolve;

  useEffect(() => {
    if (!cameraWanted) {
      setCamera('off');
      return;
    }
    const media = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (!media?.getUserMedia) {
      setCamera('unavailable');
      return;
    }
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let decode: Decoder['decodeSource'] | undefined;
    const canvas = document.createElement('canvas');
    setCamera('starting');
    loadDecoder().then(
      (module) => {
        decode = module.decodeSource;
      },
      () => {
        if (!stopped) setCamera('unavailable');
      },
    );

    const tick = () => {
      if (stopped) return;
      const video = videoRef.current;
      if (decode && video && video.readyState >= video.HAVE_CURRENT_DATA && !handled.current) {
        const text = decode(video, video.videoWidth, video.videoHeight, canvas);
        if (text) {
          setCameraWanted(false);
          void resolveRef.current(text);
          return;
        }
      }
      timer = setTimeout(tick, FRAME_INTERVAL_MS);
    };

    media.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false }).then(
      (granted) => {
        if (stopped) {
          for (const track of granted.getTracks()) track.stop();
          return;
        }
        stream = granted;
        const video = videoRef.current;
        if (video) {
          video.srcObject = granted;
          video.play().catch(() => {
            // Autoplay refused: frames still arrive once the user taps.
          });
        }
        setCamera('live');
        tick();
      },
      () => {
        if (!stopped) setCamera('unavailable');
      },
    );

    return () => {
      stopped = true;
      clearTimeout(timer);
      if (stream) for (const track of stream.getTracks()) track.stop();
      const video = videoRef.current;
      if (video) video.srcObject = null;
    };
  }, [cameraWanted]);

  const pick = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setBusy(true);
    setError(null);
    let text: string | null = null;
    try {
      text = await (await loadDecoder()).decodeImageFile(file);
    } catch {
      // The decoder did not load (offline): reported as no code found.
    }
    if (!live.current) return;
    if (text === null) {
      setBusy(false);
      setError(new ApiError({ status: 0, code: 'qr_not_found', message: 'No QR code in the image' }));
      return;
    }
    setBusy(false);
    await resolve(text);
  };

  return (
    <>
      <section className="scan-viewport" data-testid="scan-camera" data-state={camera}>
        <video ref={videoRef} className="scan-video" playsInline muted autoPlay />
        {camera === 'live' ? <div className="scan-frame" aria-hidden="true" /> : null}
        {camera !== 'live' ? (
          <div className="scan-placeholder">
            {camera === 'unavailable' ? <CloudOffIcon size={36} /> : <ScanIcon size={36} />}
            <p>
              {camera === 'starting'
                ? t('scan.starting')
                : camera === 'unavailable'
                  ? t('error.camera_unavailable')
                  : t('scan.intro')}
            </p>
            {camera === 'off' && !busy ? (
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() => setCameraWanted(true)}
              >
                {t('scan.restart')}
              </button>
            ) : null}
          </div>
        ) : (
          <p className="scan-hint">{busy ? t('scan.decoding') : t('scan.intro')}</p>
        )}
      </section>
      <FormError error={error} />
      <label className="button button-secondary button-block scan-upload" aria-disabled={busy}>
        <ImageIcon size={20} />
        {busy ? t('scan.decoding') : t('scan.upload')}
        <input
          type="file"
          accept="image/*"
          className="visually-hidden"
          data-testid="scan-file"
          disabled={busy}
          onChange={(event) => void pick(event)}
        />
      </label>
      <p className="page-intro scan-upload-hint">{t('scan.upload_hint')}</p>
    </>
  );
}
