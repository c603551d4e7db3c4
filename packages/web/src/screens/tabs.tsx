import { useI18n } from '../i18n/context.js';
import { GridIcon } from '../ui/icons.js';
import { EmptyState, Page } from '../ui/layout.js';

export function DiscoverScreen() {
  const { t } = useI18n();
  return (
    <Page title={t('tabs.discover')} tabbed>
      <EmptyState icon={<GridIcon size={40} />} title={t('discover.empty_title')}>
        {t('discover.empty_body')}
      </EmptyState>
    </Page>
  );
}
