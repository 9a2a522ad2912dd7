/**
 * A real mosquitto for the external-broker tests (installed by .ci/run): where its binary is (undefined: the tests
 * that need it are skipped), and a free loopback port to start it on (mosquitto cannot listen on port 0).
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const MOSQUITTO = ['/usr/sbin/mosquitto', 'mosquitto'].find((m) => spawnSync(m, ['-h'], { stdio: 'ignore' }).error === undefined);

export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
