import { TENANT_ID_HEADER } from '@tenantbus/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  headers as natsHeaders,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { readFileSync } from 'node:fs';
import { startStack, type Stack } from '../test/support/stack';
import type { Sample } from './measure';

export const REPS = Number(process.env.BENCH_REPS ?? 5);
/** Pads a usage event's data so a message is ~200 bytes, as in STACK.md's raw limits. */
export const PAD = 'x'.repeat(40);

export const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

export function tenantHeaders(tenantId: string, msgId?: string) {
  const headers = natsHeaders();
  headers.set(TENANT_ID_HEADER, tenantId);
  if (msgId) headers.set('Nats-Msg-Id', msgId);
  return headers;
}

/**
 * Publishes `count` messages with JetStream acks, `window` outstanding at a time (one Node
 * client is CPU-bound near 20k msg/s here, so this is measured apart from every drain).
 */
export async function publishBacklog(
  nc: NatsConnection,
  count: number,
  message: (i: number) => { subject: string; data: Uint8Array; tenantId: string; msgId?: string },
  window = 2_000,
): Promise<void> {
  const js = nc.jetstream();
  let pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    const { subject, data, tenantId, msgId } = message(i);
    pending.push(js.publish(subject, data, { headers: tenantHeaders(tenantId, msgId) }));
    if (pending.length >= window) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
}

/**
 * The ceiling of any consumer: a fresh durable pull consumer drains `count` messages of the
 * stream and acks them — each one (as ingest does) or only the last of every `batch` (ack-all).
 * Returns the seconds it took.
 */
export async function drainRaw(
  nc: NatsConnection,
  jsm: JetStreamManager,
  options: {
    stream: string;
    durable: string;
    count: number;
    ack: 'each' | 'batch';
    batch?: number;
  },
): Promise<number> {
  const batch = options.batch ?? 1_000;
  await jsm.consumers.add(options.stream, {
    durable_name: options.durable,
    ack_policy: options.ack === 'each' ? AckPolicy.Explicit : AckPolicy.All,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 4 * batch,
  });
  const started = process.hrtime.bigint();
  try {
    const consumer = await nc.jetstream().consumers.get(options.stream, options.durable);
    const messages = await consumer.consume({ max_messages: batch });
    let seen = 0;
    for await (const msg of messages) {
      seen += 1;
      if (options.ack === 'each' || seen % batch === 0 || seen === options.count) msg.ack();
      if (seen === options.count) messages.stop();
    }
    return seconds(started);
  } finally {
    await jsm.consumers.delete(options.stream, options.durable);
  }
}

/** Resident set size of a process, from the kernel (Linux), in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) / 1024;
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the peak. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Repetitions of a round that reports its own rate (its setup is not timed), after a warm-up. */
export async function rateOf(
  name: string,
  round: () => Promise<number>,
  baseline?: string,
  repetitions = REPS,
): Promise<Sample> {
  await round();
  const rates: number[] = [];
  for (let rep = 0; rep < repetitions; rep += 1) rates.push(await round());
  return { name, baseline, rates };
}

/** The three services as processes, with what the sync-service needs to boot. */
export function benchStack(tenantService: Record<string, string> = {}): Promise<Stack> {
  process.env.TEST_LOG_LEVEL ??= 'warn';
  return startStack({
    'tenant-service': tenantService,
    'sync-service': { CREDENTIALS_KEYS: `bench:${Buffer.alloc(32, 7).toString('base64')}` },
  });
}

/** User + system CPU time a process has used so far (Linux /proc, clock ticks of 10 ms), in ms. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
