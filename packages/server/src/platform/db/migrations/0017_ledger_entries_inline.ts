import { type Kysely, sql } from 'kysely';

/**
 * A transfer's two entries — the debit account's and the credit account's state right after
 * it, with their new versions — are stored on the transfer's own row: one row and three
 * index entries per transfer instead of three rows and seven index entries. `ledger_entries`
 * becomes a view over them and over the entries that belong to no new transfer of their
 * batch (a hold released when its timeout passed), which stay in `ledger_entries_other`.
 *
 * The indexes by account and version (unique per side) replace the indexes by account and
 * time: an account's history is read in the order of its versions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const side = (s: 'debit' | 'credit') => `
    ADD COLUMN ${s}_version bigint,
    ADD COLUMN ${s}_dp bigint,
    ADD COLUMN ${s}_dpo bigint,
    ADD COLUMN ${s}_cp bigint,
    ADD COLUMN ${s}_cpo bigint`;
  await sql.raw(`ALTER TABLE ledger_transfers ${side('debit')}, ${side('credit')}`).execute(db);

  // Existing transfers take their entries from the old table (the guard allows only a
  // pending transfer's state to change, so it is set aside for this).
  await sql`ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_guard`.execute(db);
  for (const s of ['debit', 'credit'] as const) {
    await sql
      .raw(`
        UPDATE ledger_transfers t SET ${s}_version = e.version, ${s}_dp = e.debits_pending,
          ${s}_dpo = e.debits_posted, ${s}_cp = e.credits_pending, ${s}_cpo = e.credits_posted
        FROM ledger_entries e
        WHERE e.transfer_id = t.id AND e.account_id = t.${s}_account_id AND e.batch_id = t.batch_id`)
      .execute(db);
  }
  await sql`ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_guard`.execute(db);
  await sql`ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only`.execute(db);
  await sql`
    DELETE FROM ledger_entries e USING ledger_transfers t
    WHERE e.transfer_id = t.id AND e.batch_id = t.batch_id
      AND ((e.account_id = t.debit_account_id AND e.version = t.debit_version)
        OR (e.account_id = t.credit_account_id AND e.version = t.credit_version))
  `.execute(db);
  await sql`ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only`.execute(db);
  await sql`ALTER TABLE ledger_entries RENAME TO ledger_entries_other`.execute(db);
  await sql`ALTER TRIGGER ledger_entries_append_only ON ledger_entries_other RENAME TO ledger_entries_other_append_only`.execute(
    db,
  );

  // Entry fields are as immutable as the rest of a transfer.
  await sql`
    CREATE OR REPLACE FUNCTION ledger_transfers_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger transfers are append-only';
      END IF;
      IF (NEW.id, NEW.debit_account_id, NEW.credit_account_id, NEW.amount, NEW.code, NEW.flags, NEW.fingerprint, NEW.batch_id,
          NEW.debit_version, NEW.debit_dp, NEW.debit_dpo, NEW.debit_cp, NEW.debit_cpo,
          NEW.credit_version, NEW.credit_dp, NEW.credit_dpo, NEW.credit_cp, NEW.credit_cpo)
         IS DISTINCT FROM (OLD.id, OLD.debit_account_id, OLD.credit_account_id, OLD.amount, OLD.code, OLD.flags, OLD.fingerprint, OLD.batch_id,
          OLD.debit_version, OLD.debit_dp, OLD.debit_dpo, OLD.debit_cp, OLD.debit_cpo,
          OLD.credit_version, OLD.credit_dp, OLD.credit_dpo, OLD.credit_cp, OLD.credit_cpo)
         OR OLD.state IS DISTINCT FROM 'pending' THEN
        RAISE EXCEPTION 'only the state of a pending ledger transfer may change';
      END IF;
      RETURN NEW;
    END
    $$
  `.execute(db);

  await sql`DROP INDEX ledger_transfers_debit_idx`.execute(db);
  await sql`DROP INDEX ledger_transfers_credit_idx`.execute(db);
  await sql`CREATE UNIQUE INDEX ledger_transfers_debit_version_key ON ledger_transfers (debit_account_id, debit_version)`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX ledger_transfers_credit_version_key ON ledger_transfers (credit_account_id, credit_version)`.execute(
    db,
  );

  await sql`
    CREATE VIEW ledger_entries AS
      SELECT account_id, version, transfer_id, batch_id, debits_pending, debits_posted, credits_pending, credits_posted, created_at
      FROM ledger_entries_other
      UNION ALL
      SELECT debit_account_id, debit_version, id, batch_id, debit_dp, debit_dpo, debit_cp, debit_cpo, created_at
      FROM ledger_transfers WHERE debit_version IS NOT NULL
      UNION ALL
      SELECT credit_account_id, credit_version, id, batch_id, credit_dp, credit_dpo, credit_cp, credit_cpo, created_at
      FROM ledger_transfers WHERE credit_version IS NOT NULL
  `.execute(db);

  // The batch's checks cost no lookups of their own where the writes make them anyway: a
  // stored transfer id is refused by the primary key (SQLSTATE 23505), and an account the
  // batch changes is moved only from the state (version and totals) the batch was decided
  // against (else LG001). The totals count too: a writer may decide a batch against the state
  // a batch still in flight would leave, and should that batch be refused, another writer may
  // have written a different state under the same version.
  // A refused batch raises, so nothing of it is written.
  await sql`DROP FUNCTION ledger_commit_batch`.execute(db);
  await sql`
    CREATE FUNCTION ledger_commit_batch(
      p_at timestamptz, p_content_hash text,
      x_id uuid[], x_version bigint[], x_dp bigint[], x_dpo bigint[], x_cp bigint[], x_cpo bigint[],
      t_id uuid[], t_debit uuid[], t_credit uuid[], t_amount bigint[], t_currency text[], t_code text[], t_flags integer[],
      t_pending uuid[], t_timeout integer[], t_expires timestamptz[], t_state text[], t_user_data text[],
      t_fingerprint text[],
      t_dv bigint[], t_ddp bigint[], t_ddpo bigint[], t_dcp bigint[], t_dcpo bigint[],
      t_cv bigint[], t_cdp bigint[], t_cdpo bigint[], t_ccp bigint[], t_ccpo bigint[],
      f_id uuid[], f_code text[], f_fingerprint text[],
      e_account uuid[], e_version bigint[], e_transfer uuid[], e_dp bigint[], e_dpo bigint[], e_cp bigint[], e_cpo bigint[],
      s_id uuid[], s_state text[],
      a_id uuid[], a_before bigint[], a_bdp bigint[], a_bdpo bigint[], a_bcp bigint[], a_bcpo bigint[],
      a_dp bigint[], a_dpo bigint[], a_cp bigint[], a_cpo bigint[], a_version bigint[]
    ) RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
      head record;
      v_batch bigint;
      v_hash text;
      v_moved integer;
    BEGIN
      -- Every batch in the cluster queues here; the statements below see what the batch
      -- before this one committed.
      SELECT last_batch_id, last_hash INTO head FROM ledger_chain WHERE singleton FOR UPDATE;
      -- An id kept as a failure, or a failure's id stored as a transfer: decide again.
      IF EXISTS (SELECT 1 FROM ledger_failures WHERE id = ANY(t_id))
         OR (cardinality(f_id) > 0 AND EXISTS (SELECT 1 FROM ledger_transfers WHERE id = ANY(f_id))) THEN
        RAISE EXCEPTION 'a ledger batch id is already stored' USING ERRCODE = 'LG002';
      END IF;
      -- Accounts the batch read without changing them (a failed transfer's) must be as read.
      IF cardinality(x_id) > 0 AND EXISTS (
           SELECT 1 FROM unnest(x_id, x_version, x_dp, x_dpo, x_cp, x_cpo) AS x(id, version, dp, dpo, cp, cpo)
           JOIN ledger_accounts a ON a.id = x.id
           WHERE (a.version, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
                 <> (x.version, x.dp, x.dpo, x.cp, x.cpo)) THEN
        RAISE EXCEPTION 'a ledger batch was decided against an account that has changed' USING ERRCODE = 'LG001';
      END IF;
      UPDATE ledger_accounts AS la SET
        debits_pending = v.dp, debits_posted = v.dpo, credits_pending = v.cp, credits_posted = v.cpo,
        version = v.version, updated_at = p_at
      FROM unnest(a_id, a_before, a_bdp, a_bdpo, a_bcp, a_bcpo, a_dp, a_dpo, a_cp, a_cpo, a_version)
        AS v(id, before, bdp, bdpo, bcp, bcpo, dp, dpo, cp, cpo, version)
      WHERE la.id = v.id AND la.version = v.before AND la.debits_pending = v.bdp AND la.debits_posted = v.bdpo
        AND la.credits_pending = v.bcp AND la.credits_posted = v.bcpo;
      GET DIAGNOSTICS v_moved = ROW_COUNT;
      IF v_moved <> coalesce(cardinality(a_id), 0) THEN
        RAISE EXCEPTION 'a ledger batch was decided against an account that has changed' USING ERRCODE = 'LG001';
      END IF;

      v_batch := head.last_batch_id + 1;
      v_hash := encode(sha256(convert_to(head.last_hash || ' ' || v_batch::text || ' ' || p_content_hash, 'UTF8')), 'hex');
      INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, code, flags, pending_id,
        timeout_seconds, expires_at, state, user_data, fingerprint, batch_id, created_at,
        debit_version, debit_dp, debit_dpo, debit_cp, debit_cpo, credit_version, credit_dp, credit_dpo, credit_cp, credit_cpo)
      SELECT v.id, v.debit, v.credit, v.amount, v.currency, v.code, v.flags, v.pending_id, v.timeout_seconds,
             v.expires_at, v.state, v.user_data, v.fingerprint, v_batch, p_at,
             v.dv, v.ddp, v.ddpo, v.dcp, v.dcpo, v.cv, v.cdp, v.cdpo, v.ccp, v.ccpo
      FROM unnest(t_id, t_debit, t_credit, t_amount, t_currency, t_code, t_flags, t_pending, t_timeout, t_expires,
                  t_state, t_user_data, t_fingerprint, t_dv, t_ddp, t_ddpo, t_dcp, t_dcpo, t_cv, t_cdp, t_cdpo, t_ccp, t_ccpo)
        AS v(id, debit, credit, amount, currency, code, flags, pending_id, timeout_seconds, expires_at, state, user_data,
             fingerprint, dv, ddp, ddpo, dcp, dcpo, cv, cdp, cdpo, ccp, ccpo);
      IF cardinality(f_id) > 0 THEN
        INSERT INTO ledger_failures (id, code, fingerprint, batch_id, created_at)
        SELECT v.id, v.code, v.fingerprint, v_batch, p_at FROM unnest(f_id, f_code, f_fingerprint) AS v(id, code, fingerprint);
      END IF;
      IF cardinality(e_account) > 0 THEN
        INSERT INTO ledger_entries_other (account_id, version, transfer_id, batch_id, debits_pending, debits_posted,
          credits_pending, credits_posted, created_at)
        SELECT v.account_id, v.version, v.transfer_id, v_batch, v.dp, v.dpo, v.cp, v.cpo, p_at
        FROM unnest(e_account, e_version, e_transfer, e_dp, e_dpo, e_cp, e_cpo)
          AS v(account_id, version, transfer_id, dp, dpo, cp, cpo);
      END IF;
      IF cardinality(s_id) > 0 THEN
        UPDATE ledger_transfers AS lt SET state = v.state
        FROM unnest(s_id, s_state) AS v(id, state)
        WHERE lt.id = v.id AND lt.state = 'pending';
      END IF;
      INSERT INTO ledger_batches (id, prev_hash, hash, content_hash, transfer_count, created_at)
      VALUES (v_batch, head.last_hash, v_hash, p_content_hash,
              coalesce(array_length(t_id, 1), 0) + coalesce(array_length(f_id, 1), 0), p_at);
      UPDATE ledger_chain SET last_batch_id = v_batch, last_hash = v_hash WHERE singleton;
      RETURN v_batch;
    END
    $$
  `.execute(db);
}
