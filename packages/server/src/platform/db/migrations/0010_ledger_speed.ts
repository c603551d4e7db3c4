import { type Kysely, sql } from 'kysely';

/**
 * A batch in one statement: `ledger_commit_batch` takes the chain head, checks what the
 * writer assumed (that the batch's ids are new and that every account it read is still in
 * the state it read), and only then writes, links the batch into the chain and moves the
 * head. A writer that keeps account states in memory can thus apply a batch without reading
 * first, and send the next batch while this one commits: when an assumption no longer holds
 * nothing is written and the answer says why.
 *
 * The chain link is computed here, from the previous hash and the batch's content hash (which
 * the writer computes from everything the batch writes), so that a batch does not depend on
 * which batch committed just before it. Batches written before this migration keep their
 * hash over the previous hash and the content (`content_hash` is null for them).
 *
 * The b-tree indexes on batch_id of entries and transfers become block-range (BRIN) indexes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE ledger_batches ADD COLUMN content_hash text`.execute(db);

  await sql`
    CREATE FUNCTION ledger_commit_batch(
      p_at timestamptz, p_content_hash text, p_check_ids uuid[],
      x_id uuid[], x_flags integer[], x_dp bigint[], x_dpo bigint[], x_cp bigint[], x_cpo bigint[], x_version bigint[],
      t_id uuid[], t_debit uuid[], t_credit uuid[], t_amount bigint[], t_currency text[], t_code text[], t_flags integer[],
      t_pending uuid[], t_timeout integer[], t_expires timestamptz[], t_state text[], t_user_data text[],
      t_fingerprint text[], t_created timestamptz[],
      f_id uuid[], f_code text[], f_fingerprint text[],
      e_account uuid[], e_version bigint[], e_transfer uuid[], e_dp bigint[], e_dpo bigint[], e_cp bigint[], e_cpo bigint[],
      s_id uuid[], s_state text[],
      a_id uuid[], a_dp bigint[], a_dpo bigint[], a_cp bigint[], a_cpo bigint[], a_version bigint[]
    ) RETURNS json LANGUAGE plpgsql AS $$
    DECLARE
      head record;
      v_stale json;
      v_batch bigint;
      v_hash text;
    BEGIN
      -- Every batch in the cluster queues here; the statements below see what the batch
      -- before this one committed.
      SELECT last_batch_id, last_hash INTO head FROM ledger_chain WHERE singleton FOR UPDATE;
      -- The writer took these ids for new: if one is stored (a transfer or a kept failure),
      -- the batch must be decided again against it.
      IF cardinality(p_check_ids) > 0 AND (
           EXISTS (SELECT 1 FROM ledger_transfers WHERE id = ANY(p_check_ids))
        OR EXISTS (SELECT 1 FROM ledger_failures WHERE id = ANY(p_check_ids))) THEN
        RETURN json_build_object('status', 'exists');
      END IF;
      -- Every account the batch was decided against must be exactly as the writer read it.
      IF cardinality(x_id) > 0 THEN
        SELECT json_agg(json_build_object(
                 'id', a.id, 'currency', a.currency, 'code', a.code, 'flags', a.flags,
                 'debits_pending', a.debits_pending::text, 'debits_posted', a.debits_posted::text,
                 'credits_pending', a.credits_pending::text, 'credits_posted', a.credits_posted::text,
                 'version', a.version::text))
        INTO v_stale
        FROM unnest(x_id, x_flags, x_dp, x_dpo, x_cp, x_cpo, x_version) AS v(id, flags, dp, dpo, cp, cpo, version)
        JOIN ledger_accounts a ON a.id = v.id
        WHERE (a.flags, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, a.version)
              IS DISTINCT FROM (v.flags, v.dp, v.dpo, v.cp, v.cpo, v.version);
        IF v_stale IS NOT NULL THEN
          RETURN json_build_object('status', 'stale', 'accounts', v_stale);
        END IF;
      END IF;

      v_batch := head.last_batch_id + 1;
      v_hash := encode(sha256(convert_to(head.last_hash || ' ' || v_batch::text || ' ' || p_content_hash, 'UTF8')), 'hex');
      INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, code, flags, pending_id,
        timeout_seconds, expires_at, state, user_data, fingerprint, batch_id, created_at)
      SELECT v.id, v.debit, v.credit, v.amount, v.currency, v.code, v.flags, v.pending_id, v.timeout_seconds,
             v.expires_at, v.state, v.user_data, v.fingerprint, v_batch, v.created_at
      FROM unnest(t_id, t_debit, t_credit, t_amount, t_currency, t_code, t_flags, t_pending, t_timeout, t_expires,
                  t_state, t_user_data, t_fingerprint, t_created)
        AS v(id, debit, credit, amount, currency, code, flags, pending_id, timeout_seconds, expires_at, state, user_data,
             fingerprint, created_at);
      IF cardinality(f_id) > 0 THEN
        INSERT INTO ledger_failures (id, code, fingerprint, batch_id, created_at)
        SELECT v.id, v.code, v.fingerprint, v_batch, p_at FROM unnest(f_id, f_code, f_fingerprint) AS v(id, code, fingerprint);
      END IF;
      INSERT INTO ledger_entries (account_id, version, transfer_id, batch_id, debits_pending, debits_posted,
        credits_pending, credits_posted, created_at)
      SELECT v.account_id, v.version, v.transfer_id, v_batch, v.dp, v.dpo, v.cp, v.cpo, p_at
      FROM unnest(e_account, e_version, e_transfer, e_dp, e_dpo, e_cp, e_cpo)
        AS v(account_id, version, transfer_id, dp, dpo, cp, cpo);
      IF cardinality(s_id) > 0 THEN
        UPDATE ledger_transfers AS lt SET state = v.state
        FROM unnest(s_id, s_state) AS v(id, state)
        WHERE lt.id = v.id AND lt.state = 'pending';
      END IF;
      UPDATE ledger_accounts AS la SET
        debits_pending = v.dp, debits_posted = v.dpo, credits_pending = v.cp, credits_posted = v.cpo,
        version = v.version, updated_at = p_at
      FROM unnest(a_id, a_dp, a_dpo, a_cp, a_cpo, a_version) AS v(id, dp, dpo, cp, cpo, version)
      WHERE la.id = v.id;
      INSERT INTO ledger_batches (id, prev_hash, hash, content_hash, transfer_count, created_at)
      VALUES (v_batch, head.last_hash, v_hash, p_content_hash,
              coalesce(array_length(t_id, 1), 0) + coalesce(array_length(f_id, 1), 0), p_at);
      UPDATE ledger_chain SET last_batch_id = v_batch, last_hash = v_hash WHERE singleton;
      RETURN json_build_object('status', 'ok', 'batch_id', v_batch::text);
    END
    $$
  `.execute(db);

  // Only verify looks rows up by batch, a range of batches at a time, and batch ids grow with
  // the order rows are written in: a block-range index serves it at a fraction of a b-tree's
  // cost per written row.
  await sql`DROP INDEX ledger_entries_batch_idx`.execute(db);
  await sql`DROP INDEX ledger_transfers_batch_idx`.execute(db);
  await sql`CREATE INDEX ledger_entries_batch_idx ON ledger_entries USING brin (batch_id) WITH (pages_per_range = 8)`.execute(
    db,
  );
  await sql`CREATE INDEX ledger_transfers_batch_idx ON ledger_transfers USING brin (batch_id) WITH (pages_per_range = 8)`.execute(
    db,
  );

  // Replaced by ledger_commit_batch: no batch is written in the old format any more.
  await sql`DROP FUNCTION ledger_write_batch`.execute(db);
}
