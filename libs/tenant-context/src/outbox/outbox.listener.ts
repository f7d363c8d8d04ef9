import { Logger } from '@nestjs/common';
import { Client } from 'pg';

const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5_000;

/**
 * A dedicated connection that LISTENs on the outbox channel and calls `onNotify` for every
 * notification. When the connection drops (Postgres restarted, network cut) it reconnects with
 * backoff and calls `onNotify` once connected again, since commits in between were not heard;
 * meanwhile the relay's poll is the safety net.
 */
export class OutboxListener {
  private readonly logger = new Logger(OutboxListener.name);
  private client?: Client;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.connectionString });
    this.client = client;
    let dropped = false;
    const drop = (reason: string) => {
      if (dropped) return;
      dropped = true;
      void client.end().catch(() => undefined);
      if (this.client === client) this.client = undefined;
      this.reconnectLater(reason);
    };
    client.on('error', (error) => drop(error.message));
    client.on('end', () => drop('connection ended'));
    client.on('notification', () => this.onNotify());
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (error) {
      drop(error instanceof Error ? error.message : String(error));
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    if (this.failures > 0) this.logger.log({ msg: 'outbox listener reconnected' });
    this.failures = 0;
    this.onNotify();
  }

  private reconnectLater(reason: string): void {
    if (this.stopped) return;
    this.failures += 1;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** (this.failures - 1));
    this.logger.warn({ msg: 'outbox listener disconnected; reconnecting', reason, delay });
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}
