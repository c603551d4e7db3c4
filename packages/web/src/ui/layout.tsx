import { type ComponentType, type ReactNode, useEffect } from 'react';
import { useI18n } from '../i18n/context.js';
import type { MessageKey } from '../i18n/i18n.js';
import { Link, navigate } from '../router.js';
import { ROUTES, TABS, type Tab } from '../routes.js';
import {
  ChatIcon,
  ChevronLeftIcon,
  ContactsIcon,
  DiscoverIcon,
  type IconProps,
  MeIcon,
  WalletIcon,
} from './icons.js';

export function useDocumentTitle(title: string): void {
  const { t } = useI18n();
  const app = t('app.name');
  useEffect(() => {
    document.title = title === app ? app : `${title} · ${app}`;
  }, [title, app]);
}

/** A screen: top bar with the title (and a back button on sub-pages), then the content. */
export function Page({
  title,
  back,
  tabbed = false,
  action,
  titleTestId,
  mainClassName,
  children,
}: {
  title: string;
  /** `data-testid` of the title. */
  titleTestId?: string;
  /** Extra class of the content area (e.g. a full-height chat). */
  mainClassName?: string;
  /** Path the back button goes to; no button when absent. */
  back?: string;
  tabbed?: boolean;
  /** A button at the right of the top bar. */
  action?: ReactNode;
  children: ReactNode;
}) {
  const { t } = useI18n();
  useDocumentTitle(title);
  return (
    <>
      <header className="topbar">
        <div className="topbar-side">
          {back ? (
            <button
              type="button"
              className="back-button"
              data-testid="nav-back"
              onClick={() => navigate(back)}
            >
              <ChevronLeftIcon size={22} />
              <span>{t('common.back')}</span>
            </button>
          ) : null}
        </div>
        <h1 className="topbar-title" data-testid={titleTestId}>
          {title}
        </h1>
        <div className="topbar-side topbar-side-end">{action}</div>
      </header>
      <main
        className={[tabbed ? 'content content-tabbed' : 'content', mainClassName].filter(Boolean).join(' ')}
      >
        {children}
      </main>
    </>
  );
}

const TAB_META: Record<Tab, { label: MessageKey; Icon: ComponentType<IconProps> }> = {
  chats: { label: 'tabs.chats', Icon: ChatIcon },
  contacts: { label: 'tabs.contacts', Icon: ContactsIcon },
  wallet: { label: 'tabs.wallet', Icon: WalletIcon },
  discover: { label: 'tabs.discover', Icon: DiscoverIcon },
  me: { label: 'tabs.me', Icon: MeIcon },
};

export function TabBar({ active }: { active: Tab }) {
  const { t } = useI18n();
  return (
    <nav className="tabbar" aria-label={t('tabs.label')}>
      {TABS.map((tab) => {
        const { label, Icon } = TAB_META[tab];
        const current = tab === active;
        return (
          <Link
            key={tab}
            to={ROUTES[tab]}
            replace
            className="tab"
            data-testid={`tab-${tab}`}
            aria-current={current ? 'page' : undefined}
          >
            <Icon size={26} />
            <span>{t(label)}</span>
          </Link>
        );
      })}
    </nav>
  );
}

export function EmptyState({
  icon,
  title,
  children,
}: {
  icon: ReactNode;
  title: string;
  children?: ReactNode;
}) {
  return (
    <section className="empty">
      <div className="empty-art">{icon}</div>
      <h2 className="empty-title">{title}</h2>
      {children ? <p className="empty-body">{children}</p> : null}
    </section>
  );
}
