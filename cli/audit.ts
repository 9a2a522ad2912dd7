/**
 * `drukte audit` — for auditors: recompute the minimiser hash from the checked-out source and compare it with what a
 * device runs. One command, a clear verdict, non-zero exit on mismatch.
 *
 *   drukte audit                                   print the hash of this checkout and the files it covers
 *   drukte audit --bundle DIR                      recompute from the minimiser a bundle ships (cli/audit-bundle.ts)
 *   drukte audit --broker URL --sensor ID          compare with a live sensor's retained Status on a broker
 *   drukte audit --gateway URL --sensor ID         compare with the public register entry of a sensor
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { decodeSensorPayload } from '../shared/codec.ts';
import { statusTopic } from '../shared/topics.ts';
import { isHex64 } from '../shared/patterns.ts';
import { REPO_ROOT } from '../firmware/identity.ts';
import { MINIMISER_SOURCES, minimiserHash } from '../firmware/minimiser-hash.ts';
import { CliError, parse } from '../shared/args.ts';
import { auditBundle } from './audit-bundle.ts';

const HELP = `usage: drukte audit [--bundle DIR | --broker URL --sensor ID | --gateway URL --sensor ID]
                   [--username U --password-file F] [--timeout SECONDS]

Recomputes sha256 over the minimiser sources (${MINIMISER_SOURCES.length} files, canonical order, see docs/AUDIT.md) and
compares it with a sensor bundle, a live sensor's retained status on an MQTT broker, or a gateway's public register.
Exit 0: match. Exit 1: MISMATCH. Exit 3: the device's hash could not be read.`;

export class AuditUnreadable extends CliError {
  constructor(message: string) {
    super(message, 3);
  }
}

/** Read the retained Status of a sensor and return its minimiser hash. */
export async function liveMinimiserHash(brokerUrl: string, sensor: string, opts: { username?: string; password?: string; timeoutMs: number }): Promise<string> {
  const client = mqtt.connect(brokerUrl, { username: opts.username, password: opts.password, reconnectPeriod: 0, connectTimeout: opts.timeoutMs, clientId: `${opts.username ?? "audit"}-audit-${process.pid}` });
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AuditUnreadable(`no retained status for sensor '${sensor}' on ${brokerUrl} within ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
      client.on('error', (err) => {
        clearTimeout(timer);
        reject(new AuditUnreadable(`cannot read from broker ${brokerUrl}: ${err.message}`));
      });
      client.on('message', (_topic, payload) => {
        const r = decodeSensorPayload('status', payload);
        clearTimeout(timer);
        if (r.ok) resolve(r.value.minimiser);
        else reject(new AuditUnreadable(`the retained status of '${sensor}' is not a valid Status: ${r.errors.join('; ')}`));
      });
      client.on('connect', () => client.subscribe(statusTopic(sensor), { qos: 1 }));
    });
  } finally {
    client.end(true);
  }
}

/** The gateway's own verdict on a sensor (its register entry): its state and, if suspended, why and since when. */
export interface GatewayVerdict {
  state: string;
  suspension: { reason: string; at: string } | null;
}

/** What the gateway's public register shows: the hash the sensor reported, and the gateway's own verdict. */
export async function registerEntry(gatewayUrl: string, sensor: string, timeoutMs: number): Promise<{ minimiser: string; verdict: GatewayVerdict }> {
  const url = new URL(`/api/sensors/${encodeURIComponent(sensor)}`, gatewayUrl);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new AuditUnreadable(`cannot reach ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new AuditUnreadable(`${url} answered ${res.status}`);
  const body = (await res.json()) as Record<string, unknown>;
  const verdict: GatewayVerdict = { state: String(body.state), suspension: (body.suspension as GatewayVerdict['suspension']) ?? null };
  // What the live sensor itself reported in its last Status (not what was registered at provisioning).
  const h = (body.reported as Record<string, unknown> | null | undefined)?.minimiser;
  if (typeof h !== 'string' || !isHex64(h)) throw new AuditUnreadable(`the register entry of '${sensor}' shows no minimiser hash reported by the sensor (has it sent its status yet?)`);
  return { minimiser: h, verdict };
}

/** --bundle: recompute from the files the bundle ships (cli/audit-bundle.ts). */
function bundleVerdict(dir: string, source: string, out: (s: string) => void): number {
  out(`bundle ${dir}:`);
  const report = auditBundle(dir, source);
  for (const line of report.lines) out(line);
  if (report.code === 3) throw new AuditUnreadable(`the minimiser of bundle ${dir} cannot be verified`);
  return report.code;
}

export async function run(argv: string[]): Promise<number> {
  const o = parse('audit', argv, {
    bundle: { type: 'string' }, broker: { type: 'string' }, gateway: { type: 'string' }, sensor: { type: 'string' },
    username: { type: 'string' }, 'password-file': { type: 'string' }, timeout: { type: 'string' },
  }, HELP);
  if (!o) return 0;
  const timeoutMs = (o.timeout ? Number(o.timeout) : 10) * 1000;
  if (!(timeoutMs > 0)) throw new CliError('audit: --timeout must be a positive number of seconds');
  const modes = [o.bundle, o.broker, o.gateway].filter(Boolean).length;
  if (modes > 1) throw new CliError(`audit: give one of --bundle, --broker or --gateway\n\n${HELP}`);
  if ((o.broker || o.gateway) && !o.sensor) throw new CliError('audit: --sensor ID is required with --broker or --gateway');

  const source = minimiserHash(REPO_ROOT);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`minimiser sources (${REPO_ROOT}):`);
  for (const f of MINIMISER_SOURCES) out(`  ${createHash('sha256').update(readFileSync(join(REPO_ROOT, f), 'utf8').replace(/\r\n/g, '\n')).digest('hex')}  ${f}`);
  out(`minimiser hash from source:  ${source}`);
  if (modes === 0) return 0;
  if (o.bundle) return bundleVerdict(o.bundle, source, out);

  let device: string;
  let what: string;
  let verdict: GatewayVerdict | null = null;
  if (o.broker) {
    what = `live sensor '${o.sensor}' on ${o.broker}`;
    const password = o['password-file'] ? readFileSync(o['password-file'], 'utf8').trim() : undefined;
    device = await liveMinimiserHash(o.broker, o.sensor!, { username: o.username, password, timeoutMs });
  } else {
    what = `register entry of '${o.sensor}' at ${o.gateway}`;
    ({ minimiser: device, verdict } = await registerEntry(o.gateway!, o.sensor!, timeoutMs));
  }
  out(`minimiser hash the sensor reports (${what}): ${device}`);
  if (verdict) out(`the gateway's own checks: state ${verdict.state}${verdict.suspension ? ` — SUSPENDED since ${verdict.suspension.at} for breaking its registered rules (${verdict.suspension.reason})` : ''}`);
  if (verdict?.suspension) {
    out('✗ SUSPENDED: whatever the sensor reports, the gateway caught it publishing outside its registered rules; its data is refused.');
    return 1;
  }
  if (device === source) {
    out('✓ MATCH (a claim): the sensor reports the minimiser in this checkout');
    for (const line of LIVE_PROOF) out(line);
    return 0;
  }
  out('✗ MISMATCH: the sensor reports another minimiser than this checkout. Check out the release the device claims, or treat the device as untrusted.');
  return 1;
}

/**
 * What a live check proves and what it does not (issue 9, item 8; docs/THREAT-MODEL.md). A live sensor's hash is
 * its own word: a tampered device can report the registered hash. What holds regardless is what the gateway checks.
 */
export const LIVE_PROOF = [
  'What this proves:',
  '  ✓ the sensor CLAIMS to run the audited minimiser (its status reports this hash); an honest device is verified',
  '  ✓ whatever the device runs, the gateway checks every aggregate against the register: k floor, granularity,',
  '    output, window length and grid, the level its count implies, strictly increasing windows, QoS 1, and expiry',
  '    by its own clock; a violation reaches nothing and suspends the sensor (docs/PROTOCOL.md, "Registered rules")',
  'What this does NOT prove:',
  '  ✗ that the device really runs this code: a modified device can report any hash (see docs/THREAT-MODEL.md)',
  '  ✗ that its counts are TRUE: a tampered sensor can still publish wrong numbers within its registered rules,',
  '    never finer ones (below k, off the granularity, a level finer than its count, shorter windows)',
];
