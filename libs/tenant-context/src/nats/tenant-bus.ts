import type { BusNaming, SubjectDefinition } from '@tenantbus/contracts';
import { JSONCodec, type Msg, type NatsConnection, type PubAck } from 'nats';
import type { z } from 'zod';
import type { TenantContextReader } from '../context/tenant-context';
import { outboundHeaders } from './tenant-headers';

const codec = JSONCodec<unknown>();

/**
 * Publishing on the bus from our own code (not through a Nest ClientProxy). Payloads are checked
 * against the contract before they leave, and every message gets fresh tenant/trace headers.
 */
export class TenantBus {
  constructor(
    readonly nc: NatsConnection,
    readonly naming: BusNaming,
    private readonly context: TenantContextReader,
  ) {}

  private encode<S extends z.ZodType>(definition: SubjectDefinition<S>, payload: z.input<S>) {
    const subject = this.naming.subject(definition.name);
    const data = codec.encode(definition.schema.parse(payload));
    const headers = outboundHeaders(this.context, subject, definition.scope);
    return { subject, data, headers };
  }

  publish<S extends z.ZodType>(definition: SubjectDefinition<S>, payload: z.input<S>): void {
    const { subject, data, headers } = this.encode(definition, payload);
    this.nc.publish(subject, data, { headers });
  }

  /** Persisted publish; `msgId` lets JetStream drop duplicates inside its dedup window. */
  async publishDurable<S extends z.ZodType>(
    definition: SubjectDefinition<S>,
    payload: z.input<S>,
    msgId?: string,
  ): Promise<PubAck> {
    const { subject, data, headers } = this.encode(definition, payload);
    return this.nc.jetstream().publish(subject, data, { headers, msgID: msgId });
  }

  async request<S extends z.ZodType, R extends z.ZodType>(
    definition: SubjectDefinition<S>,
    payload: z.input<S>,
    replySchema: R,
    timeoutMs = 2_000,
  ): Promise<z.output<R>> {
    const { subject, data, headers } = this.encode(definition, payload);
    const reply: Msg = await this.nc.request(subject, data, { headers, timeout: timeoutMs });
    return replySchema.parse(codec.decode(reply.data));
  }
}
