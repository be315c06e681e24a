/** Free TCP ports for tests that start daemons on loopback. */
import { once } from 'node:events';
import net from 'node:net';

/** A port nothing listens on right now, on `host` of the host namespace. */
export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
