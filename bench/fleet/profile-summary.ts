/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`; `bench/fleet/run.ts --profile DIR` takes one of
 * the gateway in the throughput phase): `node --import tsx bench/fleet/profile-summary.ts FILE.cpuprofile [--top N]`.
 * `--after S` leaves out the first S seconds (start-up). Prints self time per function (name, file:line) and per file, in % of the profile's samples (idle excluded too).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, after: { type: 'string', default: '0' } } });
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
// --after S: only samples from S seconds into the profile on (steady state, without the start-up).
let at = 0;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at >= Number(values.after) * 1e6) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

const where = (url: string): string => {
  const path = url.replace(/^file:\/\//, '');
  return path ? relative(process.cwd(), path) : '(native)';
};
const fn = new Map<string, number>();
const file = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  total += us;
  if (functionName === '(idle)') idle += us;
  const name = `${functionName || '(anonymous)'} ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
  fn.set(name, (fn.get(name) ?? 0) + us);
  const f = url ? where(url).replace(/node_modules\/([^/]+(?:\/[^/]+)?)\/.*/, 'node_modules/$1') : functionName;
  file.set(f, (file.get(f) ?? 0) + us);
}
const busy = total - idle;
const top = (m: Map<string, number>, n: number) => [...m].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(`profile: ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${((busy / total) * 100).toFixed(0)} %)\n\nself time by function (% of busy):`);
for (const [k, us] of top(fn, Number(values.top))) console.log(`${((us / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
console.log('\nself time by file or package (% of busy):');
for (const [k, us] of top(file, 15)) console.log(`${((us / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
