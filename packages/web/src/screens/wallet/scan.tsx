import { useI18n } from '../../i18n/context.js';
import { navigate } from '../../router.js';
import { ROUTES } from '../../routes.js';
import { useSession } from '../../session.js';
import { Page } from '../../ui/layout.js';
import { QrScanner } from '../../ui/qr-scanner.js';

/** Scan a receive QR code with the camera or from an image, then open Send with it. */
export function ScanScreen() {
  const { t } = useI18n();
  const { api } = useSession();

  /** Checks the code with the server, then opens Send with the payee (and amount) filled in. */
  const resolve = async (payload: string) => {
    await api.resolveQr(payload);
    navigate(`${ROUTES.walletSend}?qr=${encodeURIComponent(payload)}`);
  };

  return (
    <Page title={t('scan.title')} back={ROUTES.wallet}>
      <QrScanner onCode={resolve} />
    </Page>
  );
}
