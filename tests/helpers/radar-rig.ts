/**
 * A simulated Hi-Link module (simulator/hilink-device.ts) on the far end of a fake serial port, for the driver tests:
 * what the host writes reaches the module (and is kept in `fromHost`), the module's answers reach the port; manual
 * timers drive the ACK timeouts.
 */
import { fakeSerialBinding } from '../../hardware/bindings/serial-fake.ts';
import { ManualClock } from '../../shared/clock.ts';
import { ManualTimers } from '../../shared/timers.ts';
import type { FakeHiLinkModule } from '../../simulator/hilink-device.ts';

export async function radarRig<M extends FakeHiLinkModule>(makeModule: (send: (bytes: Buffer) => void) => M) {
  const binding = fakeSerialBinding();
  const wire = binding.hub.plug('/dev/ttyAMA0');
  const module = makeModule((bytes) => wire.send(bytes));
  const fromHost: Buffer[] = [];
  wire.on('data', (bytes: Buffer) => {
    fromHost.push(bytes);
    module.receive(bytes);
  });
  const timers = new ManualTimers(new ManualClock(0));
  const port = await binding.open('/dev/ttyAMA0', 256000);
  return { module, port, timers, wire, fromHost };
}
