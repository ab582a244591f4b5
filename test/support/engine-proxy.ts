import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** One connection through the proxy, as seen on the engine's side. */
export interface ProxiedConnection {
  /** What the client sent (its first 64 KiB): the request lines. */
  sent: string;
  /** Bytes the engine sent on it. */
  received: number;
  /** The engine ended its side (FIN) or closed the connection. */
  engineClosed: boolean;
  /** The client closed its side. */
  clientClosed: boolean;
}

/**
 * A TCP proxy in front of the real engine's unix socket, for tests that must see what
 * happens on the engine's side of a connection: that the engine closed a logs request
 * once Logwarden let go of it, and how much it sent. Bytes pass through untouched.
 */
export async function startEngineProxy(dockerHost: string) {
  const path = dockerHost.replace(/^unix:\/\//, '');
  const connections: ProxiedConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const record: ProxiedConnection = {
      sent: '',
      received: 0,
      engineClosed: false,
      clientClosed: false,
    };
    connections.push(record);
    const engine = connect(path);
    for (const s of [client, engine]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    // Piped, so a side that stops reading stops the other (backpressure), as on a direct
    // connection; the 'data' listeners only watch.
    client.pipe(engine);
    engine.pipe(client);
    client.on('data', (d: Buffer) => {
      if (record.sent.length < 65_536) record.sent += d.toString('latin1');
    });
    engine.on('data', (d: Buffer) => {
      record.received += d.length;
    });
    client.on('close', () => {
      record.clientClosed = true;
      engine.end();
      // As the kernel would for a closed socket: take (and drop) what the engine still
      // writes, so a write it is blocked in returns and it sees the connection end.
      engine.unpipe(client);
      engine.resume();
    });
    engine.on('end', () => (record.engineClosed = true));
    engine.on('close', () => {
      record.engineClosed = true;
      client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
