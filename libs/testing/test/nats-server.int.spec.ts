import { connect, JSONCodec, type NatsConnection } from 'nats';
import { startNatsServer, type NatsServerProcess } from '../src';

describe('startNatsServer: a private JetStream server a test may kill and restart', () => {
  let server: NatsServerProcess;
  let nc: NatsConnection | undefined;

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('keeps persisted messages across a SIGKILL and a restart on the same port', async () => {
    const codec = JSONCodec<{ n: number }>();
    nc = await connect({ servers: server.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'CRASH', subjects: ['crash.>'] });
    await nc.jetstream().publish('crash.one', codec.encode({ n: 1 }));
    await nc.close();

    await server.kill();
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow();
    await server.start();

    nc = await connect({ servers: server.url });
    const message = await (await nc.jetstreamManager()).streams.getMessage('CRASH', { seq: 1 });
    expect(codec.decode(message.data)).toEqual({ n: 1 });
  });
});
