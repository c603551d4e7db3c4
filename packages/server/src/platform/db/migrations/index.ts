import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_identity.js';
import * as m0002 from './0002_ledger.js';
import * as m0003 from './0003_wallet.js';
import * as m0004 from './0004_social.js';
import * as m0005 from './0005_chat.js';
import * as m0006 from './0006_presence.js';
import * as m0008 from './0008_fund.js';
import * as m0009 from './0009_media.js';
import * as m0010 from './0010_ledger_speed.js';
import * as m0011 from './0011_family.js';
import * as m0012 from './0012_jobs.js';
import * as m0013 from './0013_chatpay.js';
import * as m0014 from './0014_miniapps.js';
import * as m0015 from './0015_miniapp_payments.js';
import * as m0016 from './0016_ledger_lean.js';
import * as m0017 from './0017_ledger_entries_inline.js';

/**
 * Forward-only, numbered migrations. Append new ones; never edit or reorder a migration
 * that has landed. The same SQL runs on Postgres 15 and PGlite.
 */
export const migrations: Record<string, Migration> = {
  '0001_identity': m0001,
  '0002_ledger': m0002,
  '0003_wallet': m0003,
  '0004_social': m0004,
  '0005_chat': m0005,
  '0006_presence': m0006,
  '0008_fund': m0008,
  '0009_media': m0009,
  '0010_ledger_speed': m0010,
  '0011_family': m0011,
  '0012_jobs': m0012,
  '0013_chatpay': m0013,
  '0014_miniapps': m0014,
  '0015_miniapp_payments': m0015,
  '0016_ledger_lean': m0016,
  '0017_ledger_entries_inline': m0017,
};
