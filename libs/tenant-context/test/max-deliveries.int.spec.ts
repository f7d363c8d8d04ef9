import { Logger } from '@nestjs/common';
import { BusNaming, DEAD_LETTER_TOKEN } from '@tenantbus/contracts';
import { createTestBus, readStream, waitFor, type TestBus } from '@tenantbus/testing';
import { headers as natsHeaders, JSONCodec } from 'nats';
import { ClsServiceManager } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  DeadLetterPublisher,
  ensureDurableConsumer,
  JetStreamTenantConsumer,
  MAX_DELIVERIES_REASON,
  MaxDeliveriesListener,
  TenantContext,
} from '../src';

const codec = JSONCodec<unknown>();
const Job = z.object({ name: z.string() });

/**
 * A message whose handler never settles (hangs, or the process dies on it every time) is not
 * dead-lettered by the consumer: the server stops after `max_deliver` and only announces it. The
 * listener turns that advisory into a dead letter, once, while good messages keep flowing.
 */
describe('max-deliveries advisory → dead letter (real NATS)', () => {
  let bus: TestBus;
  let naming: BusNaming;
  let deadLetters: DeadLetterPublisher;
  const tenantId = randomUUID();

  const publish = async (subject: string, name: string) => {
    const headers = natsHeaders();
    headers.set('x-tenant-id', tenantId);
    await bus.nc.jetstream().publish(naming.subject(subject), codec.encode({ name }), { headers });
  };
  const lettersAbout = async (name: string) =>
    (await readStream(bus.nc, naming.stream(DEAD_LETTER_TOKEN), 0)).filter(
      (letter) => (letter.data as { name?: string }).name === name,
    );

  beforeAll(async () => {
    bus = await createTestBus('tb_maxdel');
    naming = new BusNaming(bus.prefix);
    deadLetters = new DeadLetterPublisher(bus.nc, naming);
    const jsm = await bus.nc.jetstreamManager();
    await jsm.streams.add({ name: naming.stream('jobs'), subjects: [naming.subject('jobs.>')] });
  });
  afterAll(async () => {
    await bus?.close();
  });

  it('a handler that hangs on one message: that message is dead-lettered, the others are handled', async () => {
    let release = () => undefined as void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    const consumer = new JetStreamTenantConsumer(
      bus.nc,
      new TenantContext(ClsServiceManager.getClsService()),
      deadLetters,
      {
        stream: naming.stream('jobs'),
        durable: 'hanging-worker',
        filterSubject: naming.subject('jobs.hang.>'),
        schema: Job,
        scope: { kind: 'tenant' },
        maxDeliver: 2,
        ackWaitMs: 1_000,
        concurrency: 4,
        handle: async (job) => {
          if (job.name === 'stuck') return hung;
          handled.push(job.name);
        },
      },
    );
    await consumer.start();
    try {
      await publish('jobs.hang.a', 'before');
      await publish('jobs.hang.a', 'stuck');
      await publish('jobs.hang.a', 'after');
      const [letter] = await waitFor(
        async () => {
          const letters = await lettersAbout('stuck');
          return letters.length ? letters : undefined;
        },
        { timeoutMs: 20_000, what: 'the stuck message dead-lettered' },
      );
      expect(letter.headers['x-dead-letter-reason']).toBe(MAX_DELIVERIES_REASON);
      expect(letter.headers['x-dead-letter-subject']).toBe(naming.subject('jobs.hang.a'));
      expect(letter.headers['x-tenant-id']).toBe(tenantId);
      expect(letter.headers['x-dead-letter-detail']).toMatch(
        /after 2 deliveries to hanging-worker/,
      );
      expect(handled).toEqual(['before', 'after']);
      await publish('jobs.hang.a', 'later');
      await waitFor(() => handled.includes('later'), { what: 'a later message handled' });
      const info = await (
        await bus.nc.jetstreamManager()
      ).consumers.info(naming.stream('jobs'), 'hanging-worker');
      expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
    } finally {
      release();
      await consumer.stop();
    }
    // Dead-lettered once, not once per advisory or per replica.
    expect(await lettersAbout('stuck')).toHaveLength(1);
  });

  it('two listeners of one durable (replicas) dead-letter a crashed-on message once', async () => {
    const target = { stream: naming.stream('jobs'), durable: 'crashing-worker' };
    await ensureDurableConsumer(bus.nc, {
      ...target,
      filterSubject: naming.subject('jobs.crash.>'),
      maxDeliver: 1,
      ackWaitMs: 500,
    });
    const logger = new Logger('test');
    const replicas = [1, 2].map(
      () => new MaxDeliveriesListener(bus.nc, deadLetters, logger, target),
    );
    replicas.forEach((replica) => replica.start());
    await publish('jobs.crash.a', 'crasher');
    const consumer = await bus.nc.jetstream().consumers.get(target.stream, target.durable);
    // Fetched and never acked: what a process that dies on the message leaves behind.
    const first = await consumer.fetch({ max_messages: 1, expires: 1_000 });
    for await (const msg of first) expect(msg.info.deliveryCount).toBe(1);
    // The next pull after the ack wait is where the server gives up and sends the advisory.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const second = await consumer.fetch({ max_messages: 1, expires: 1_000 });
    const redelivered: unknown[] = [];
    for await (const msg of second) redelivered.push(msg);
    expect(redelivered).toEqual([]);
    await waitFor(async () => (await lettersAbout('crasher')).length > 0, {
      what: 'the crashed-on message dead-lettered',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all(replicas.map((replica) => replica.stop()));
    const letters = await lettersAbout('crasher');
    expect(letters.map((letter) => letter.headers['x-dead-letter-reason'])).toEqual([
      MAX_DELIVERIES_REASON,
    ]);
  });
});
