/**
 * `drukte owner transfer --sensor ID --to-name N --to-org O --to-email E [--to-phone P] [--note TEXT] <gateway>`
 * `drukte owner history --sensor ID <gateway>`
 *   <gateway> = --gateway-data DIR | --gateway URL --admin-token-file FILE
 *
 * Exactly one reachable owner per sensor (principle II). A handover replaces the owner at the gateway's register
 * and appends an entry (time, previous and new owner) to its append-only audit log (gateway/register.ts,
 * register_audit: no UPDATE or DELETE possible). The firmware is not rebuilt: the register, the register page and
 * the display show the current owner.
 */
import type { AuditEntryJson } from '../gateway/http/admin-contract.ts';
import type { Owner } from '../gateway/register.ts';
import { CliError, parse } from '../shared/args.ts';
import { gatewayFromFlags } from './provision-gateway.ts';

const HELP = `usage: drukte owner transfer --sensor ID --to-name NAME --to-org ORGANISATION --to-email EMAIL [--to-phone PHONE] [--note TEXT] GATEWAY
       drukte owner history --sensor ID GATEWAY

  GATEWAY = --gateway-data DIR (the gateway's data directory) | --gateway URL --admin-token-file FILE
The handover (time, previous and new owner) is appended to the gateway's audit log, which cannot be edited.`;

const OPTIONS = {
  sensor: { type: 'string' }, 'to-name': { type: 'string' }, 'to-org': { type: 'string' }, 'to-email': { type: 'string' },
  'to-phone': { type: 'string' }, note: { type: 'string' }, 'gateway-data': { type: 'string' }, gateway: { type: 'string' },
  'admin-token-file': { type: 'string' },
} as const;

const who = (o: Owner | null): string => (o ? `${o.name}, ${o.organisation} <${o.email}>${o.phone ? ` ${o.phone}` : ''}` : '–');

export function formatEntry(e: AuditEntryJson): string {
  const change = e.action === 'transfer' ? `: ${who(e.from)} → ${who(e.to)}` : e.action === 'register' ? `: owner ${who(e.to)}` : '';
  return `  #${e.seq} ${e.at} ${e.action}${change}${e.note ? ` (${e.note})` : ''}`;
}

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (action !== 'transfer' && action !== 'history') throw new CliError(`owner: say 'transfer' or 'history'\n\n${HELP}`);
  const o = parse(`owner ${action}`, rest, OPTIONS, HELP);
  if (!o) return 0;
  if (!o.sensor) throw new CliError(`owner ${action}: --sensor ID is required\n\n${HELP}`);
  const gateway = gatewayFromFlags(`owner ${action}`, o);
  if (!gateway) throw new CliError(`owner ${action}: say which gateway (--gateway-data DIR or --gateway URL --admin-token-file FILE)\n\n${HELP}`);
  try {
    if (action === 'history') {
      const entries = await gateway.audit(o.sensor);
      process.stdout.write(`audit log of ${o.sensor} (${gateway.where}):\n${entries.map(formatEntry).join('\n')}\n`);
      return 0;
    }
    const missing = (['to-name', 'to-org', 'to-email'] as const).filter((k) => !o[k]);
    if (missing.length) throw new CliError(`owner transfer: the new owner needs ${missing.map((k) => `--${k}`).join(', ')} (one reachable owner: name, organisation, e-mail)`);
    const to: Owner = { name: o['to-name']!, organisation: o['to-org']!, email: o['to-email']!, ...(o['to-phone'] ? { phone: o['to-phone'] } : {}) };
    const entry = await gateway.transfer(o.sensor, to, o.note);
    process.stdout.write(`✓ owner of ${o.sensor} handed over at ${entry.at}\n    from ${who(entry.from)}\n    to   ${who(entry.to)}\n  recorded as audit entry #${entry.seq} at ${gateway.where}\n`);
    return 0;
  } finally {
    gateway.close();
  }
}
