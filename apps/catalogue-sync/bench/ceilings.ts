/**
 * The ceilings of this machine for the feed-to-queued benchmark, measured in the same run: PostgreSQL's commit
 * rate from pgbench's C client (one-row inserts, as the backbone benchmark measures it) and the same SQL a
 * feed page runs, per change, from one pgbench connection (the reader is one serial connection), and the CPU
 * each process used.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const PG = ['-h', '127.0.0.1', '-U', 'postgres'];

function pgbenchBin(): string | undefined {
  const dirs = ['/usr/lib/postgresql'].flatMap((d) =>
    existsSync(d) ? readdirSync(d).map((v) => join(d, v, 'bin/pgbench')) : [],
  );
  return [...dirs, '/usr/bin/pgbench'].find(existsSync);
}

/** pgbench for `seconds` on `database` with `script`; transactions per second, or undefined. */
function pgbench(database: string, script: string, clients: number, seconds: number): number | undefined {
  const bin = pgbenchBin();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const file = join(dir, 'tx.sql');
  writeFileSync(file, script);
  const r = spawnSync(
    bin,
    [
      ...PG,
      '-n',
      '-f',
      file,
      '-c',
      String(clients),
      '-j',
      String(Math.min(clients, 2)),
      '-T',
      String(seconds),
      database,
    ],
    { encoding: 'utf8' },
  );
  rmSync(dir, { recursive: true, force: true });
  const m = (r.stdout ?? '').match(/tps = ([\d.]+)/);
  return m ? Number(m[1]) : undefined;
}

/** pgbench, 8 clients for 10 s, one one-row insert per transaction, in a database of its own. */
export function pgbenchCommitRate(): string {
  const db = 'bench_pgbench_commit';
  const psql = (database: string, sql: string) => spawnSync('psql', [...PG, '-d', database, '-qc', sql]);
  psql('postgres', `DROP DATABASE IF EXISTS ${db}`);
  psql('postgres', `CREATE DATABASE ${db}`);
  psql(db, 'CREATE TABLE t (id bigserial primary key, v text)');
  const tps = pgbench(db, "INSERT INTO t (v) VALUES ('x');\n", 8, 10);
  psql('postgres', `DROP DATABASE IF EXISTS ${db}`);
  return tps === undefined
    ? 'not measured (pgbench not found)'
    : `${fmt(tps)} commits/s (pgbench, 8 clients, one-row insert per transaction)`;
}

/**
 * The statements `StockLedger.applyStock` runs for one counted change (upsert the warehouse figure, make sure
 * the SKU row exists, re-sum the SKU, look for reservations it settles, queue the push for both marketplaces),
 * `perTx` changes per transaction, from ONE pgbench connection, on catalogue-sync's schema in `database`.
 * The C client's round trips without Node, TypeORM or HTTP: what one serial reader could at best do.
 */
export function pgbenchFeedSql(database: string, perTx: number, skus: number): string {
  const lines = ['BEGIN;'];
  for (let i = 0; i < perTx; i++) {
    const sku = `'PGB-' || :s${i}`;
    const wh = i % 2 === 0 ? `'LYON-1'` : `'MADRID-2'`;
    lines.unshift(`\\set s${i} random(1, ${skus})`);
    lines.push(
      `INSERT INTO warehouse_stock AS w (sku, warehouse, available, on_hand, as_of, source_version, source, updated_at) VALUES (${sku}, ${wh}, 5, 5, clock_timestamp(), 1, 'backoffice-feed', now()) ON CONFLICT (sku, warehouse) DO UPDATE SET available = EXCLUDED.available, on_hand = EXCLUDED.on_hand, as_of = EXCLUDED.as_of, source_version = EXCLUDED.source_version, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at WHERE (EXCLUDED.as_of, COALESCE(EXCLUDED.source_version, -1)) > (w.as_of, COALESCE(w.source_version, -1)) RETURNING sku;`,
      `INSERT INTO sku_stock (sku) VALUES (${sku}) ON CONFLICT DO NOTHING;`,
      `UPDATE sku_stock SET known = true, updated_at = now(), stock_as_of = GREATEST(COALESCE(stock_as_of, now()), now()), available = (SELECT COALESCE(SUM(available), 0) FROM warehouse_stock WHERE sku = ${sku}) WHERE sku = ${sku};`,
      `SELECT sku, quantity, order_line_id, marketplace, order_id FROM reservation WHERE sku = ${sku} AND state = 'posted' AND erp_created_at <= now() AND NOT EXISTS (SELECT 1 FROM erp_allocation a WHERE a.erp_order_number = reservation.erp_order_number) ORDER BY sku;`,
      `INSERT INTO pending_push (marketplace, sku, kind, queued_at, first_change_at) SELECT mp, ${sku}, 'stock', now(), now() FROM unnest(ARRAY['decathlon-fr','carrefour-es']) AS mp ON CONFLICT (marketplace, sku, kind) DO UPDATE SET queued_at = EXCLUDED.queued_at;`,
    );
  }
  lines.push('COMMIT;');
  const tps = pgbench(database, `${lines.join('\n')}\n`, 1, 10);
  return tps === undefined
    ? 'not measured (pgbench not found)'
    : `${fmt(tps * perTx)} changes/s (${tps.toFixed(2)} transactions/s of ${perTx} changes × 5 statements, pgbench, 1 connection)`;
}

/** CPU seconds used so far by this process and by PostgreSQL's processes (from /proc; Linux only). */
export function cpuSeconds(): { node: number; postgres: number } {
  const out = { node: 0, postgres: 0 };
  for (const pid of existsSync('/proc') ? readdirSync('/proc').filter((d) => /^\d+$/.test(d)) : []) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const used = (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ ticks
      if (Number(pid) === process.pid) out.node += used;
      else if (comm === 'postgres') out.postgres += used;
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}
