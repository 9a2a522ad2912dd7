/**
 * A real, throw-away PostgreSQL (tests and bench/scale), started from Debian's `postgresql` package (installed by
 * .ci/run): `initdb` in a fresh temporary directory, the server on a free loopback port with its unix socket in that
 * directory, removed again by stop(). As root (CI, the sandbox) the cluster belongs to the unprivileged `postgres` user (initdb refuses root):
 * every server command runs through `runuser -u postgres --`. Without the binaries, start fails with a clear
 * message: a test that needs PostgreSQL must not pass by skipping.
 *
 * Started once per test file (beforeAll); each test takes its own database (createDatabase) so tests stay apart.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './net.ts';

export interface TestPostgres {
  /** postgres://… of a database made for the caller (empty). */
  createDatabase(name?: string): Promise<string>;
  readonly port: number;
  stop(): Promise<void>;
}

/** The bin directory of the newest installed PostgreSQL (Debian: /usr/lib/postgresql/<major>/bin), or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  for (const m of majors) if (existsSync(join(root, m, 'bin', 'initdb'))) return join(root, m, 'bin');
  return null;
}


let counter = 0;

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed: these tests need Debian\'s postgresql package (apt-get install postgresql; .ci/run does it)');
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'drukte-pg-'));
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]) => {
    const r = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { encoding: 'utf8' }) : spawnSync(join(bin, cmd), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status ?? r.error?.message}): ${(r.stderr || r.stdout || '').slice(-800)}`);
  };
  if (asRoot) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'drukte', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // fsync off: a test cluster lives minutes and is thrown away; durability across kill -9 of a *gateway* is about
    // the commit being acknowledged by the server, which this keeps.
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`, 'start']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const admin = `postgres://drukte@127.0.0.1:${port}/postgres`;
  return {
    port,
    async createDatabase(name = `t${process.pid}_${++counter}`) {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://drukte@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
