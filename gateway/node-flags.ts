/**
 * The V8 flags the gateway runs with (one source of truth: the systemd unit, `npm start` and the fleet bench are
 * checked against this list by tests/gateway/node-flags.test.ts).
 *
 * `--max-semi-space-size=64` lets V8's young generation grow to 64 MiB per semi-space (default 16 MiB on 64-bit).
 * Under load every message in flight is a handful of short-lived objects (the MQTT packet, its buffers, the decoded
 * payload, the PUBACK); with the default size they fill the young generation so fast that scavenges run hundreds of
 * times a second and promote objects that are about to die. Measured on 2 cores with 1,000 sensors
 * (docs/BENCHMARKS.md): ~30 % less CPU per stored aggregate. The cost is memory only under load: the young
 * generation grows towards 3 × 64 MiB while busy and shrinks again when idle; idle RSS per connection is unchanged.
 *
 * V8 reads the young generation's size when the heap is set up, so the flag must be on node's command line (or in
 * NODE_OPTIONS); `v8.setFlagsFromString` at run time has no effect on it.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** The gateway flags this process was started without (looks at node's command line and NODE_OPTIONS). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)].map((f) => f.replace(/_/g, '-'));
  return GATEWAY_NODE_FLAGS.filter((flag) => {
    const name = flag.split('=')[0]!;
    return !given.some((g) => g === flag || g.split('=')[0] === name);
  });
}
