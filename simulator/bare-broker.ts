/** A bare aedes broker on port 0 (no gateway, no policy): the baseline MQTT peer for firmware tests and the gateway bench. */
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { Aedes } from 'aedes';

export interface BareBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startBareBroker(): Promise<BareBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
