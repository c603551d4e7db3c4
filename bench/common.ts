import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/** The Postgres the benchmarks use (never a production one: they create and drop databases). */
export const benchDatabaseUrl =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: benchDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function recreateDatabase(name: string): Promise<string> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  return withDatabase(benchDatabaseUrl, name);
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** pgbench's TPC-B-like run on the same server: the baseline every ratio is against. */
export async function pgbenchTps(options: {
  scale: number;
  clients: number;
  seconds: number;
}): Promise<number> {
  const name = 'jiaozi_bench_pgbench';
  const url = await recreateDatabase(name);
  const env = { ...process.env, PGCONNECT_TIMEOUT: '10' };
  execFileSync('pgbench', ['-i', '-q', '-s', String(options.scale), url], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const out = execFileSync(
    'pgbench',
    [
      '-c',
      String(options.clients),
      '-j',
      String(Math.min(options.clients, 2)),
      '-T',
      String(options.seconds),
      url,
    ],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await dropDatabase(name);
  const match =
    /tps = ([0-9.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([0-9.]+)/.exec(out);
  if (!match?.[1]) throw new Error(`could not read pgbench's tps from:\n${out}`);
  return Number(match[1]);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) ? v : fallback;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/**
 * CPU seconds of each Postgres backend serving `database`, by pid. Compare two snapshots
 * with `cpuSecondsBetween`: a backend that exits in between takes its time with it (pools
 * close idle connections), so the figure is a floor.
 */
export function postgresCpuSnapshot(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      // A backend's title: "postgres: 15/main: <user> <database> <client> <state>".
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!title.includes(` ${database} `)) continue;
      out.set(Number(entry), processCpuSeconds(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function cpuSecondsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Runs `fn` over `items` with at most `width` at a time. */
export async function pool<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** Resident memory (bytes) of a process and all its descendants, from /proc (Linux). */
export function treeRssBytes(rootPid: number): { bytes: number; processes: number } {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let bytes = 0;
  for (const pid of tree) {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      bytes += Number(kb ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return { bytes, processes: tree.size };
}
