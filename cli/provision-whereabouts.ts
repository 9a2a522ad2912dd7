/**
 * `drukte provision --gateway URL`: the register URL printed on the sign and the broker URL compiled into the bundle
 * come from the gateway itself (GET /api/admin/whereabouts, gateway/http/admin-contract.ts), not from a hand-typed manifest.
 * A manifest may leave them out (they are filled in) or give them; one that disagrees with the gateway is refused
 * with the fix, because the sign and the display would point people at the wrong register.
 */
import type { Whereabouts } from '../gateway/http/admin-contract.ts';
import { CliError } from '../shared/args.ts';

const same = (a: string, b: string): boolean => {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
};

/** The raw manifest with registerUrl and gatewayUrl from the gateway; throws when the manifest says otherwise. */
export function applyWhereabouts(raw: unknown, w: Whereabouts, where: string): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw; // validation reports it
  const data = { ...(raw as Record<string, unknown>) };
  const id = typeof data.id === 'string' ? data.id : '{id}';
  const registerUrl = w.registerUrl.replace('{id}', encodeURIComponent(id));
  const brokers = [w.mqtts, w.mqtt].filter((u): u is string => Boolean(u));
  const problems: string[] = [];
  if (data.registerUrl === undefined) data.registerUrl = registerUrl;
  else if (typeof data.registerUrl !== 'string' || !same(data.registerUrl, registerUrl)) {
    problems.push(`registerUrl: the manifest says ${String(data.registerUrl)}, the gateway's register is ${registerUrl}. Remove registerUrl from the manifest (provisioning fills it in), or set it to ${registerUrl}; if the gateway is wrong, start it with --public-url`);
  }
  if (data.gatewayUrl === undefined) {
    if (!brokers.length) problems.push('gatewayUrl: the gateway names no broker URL; give gatewayUrl in the manifest');
    else data.gatewayUrl = brokers[0];
  } else if (typeof data.gatewayUrl !== 'string' || !brokers.some((b) => same(b, data.gatewayUrl as string))) {
    problems.push(`gatewayUrl: the manifest says ${String(data.gatewayUrl)}, the gateway's broker is ${brokers.join(' or ') || 'unknown'}. Remove gatewayUrl from the manifest (provisioning fills it in), or set it to ${brokers[0] ?? 'the broker URL'}; if the gateway is wrong, start it with --public-mqtt/--public-mqtts`);
  }
  if (problems.length) throw new CliError(`the manifest disagrees with the gateway at ${where}:\n${problems.map((p) => `  ✗ ${p}`).join('\n')}`, 1);
  return data;
}
