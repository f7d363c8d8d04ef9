import { NatsRecord, type ReadPacket, type Serializer } from '@nestjs/microservices';
import { JSONCodec } from 'nats';
import { readTenantContext } from '../context/tenant-context';
import { outboundHeaders } from './tenant-headers';

const codec = JSONCodec();

/**
 * Serializer for Nest's NATS `ClientProxy`: every `emit`/`send` gets fresh tenant, correlation
 * and trace headers from the caller's scope. Static client-level headers are never used for the
 * tenant. Sending with no tenant (outside `asSystem`) throws, which errors the observable.
 */
export class TenantNatsSerializer implements Serializer<
  ReadPacket,
  { data: Uint8Array; headers: ReturnType<typeof outboundHeaders> }
> {
  serialize(packet: ReadPacket) {
    const payload: unknown =
      packet.data instanceof NatsRecord ? (packet.data.data as unknown) : packet.data;
    const subject =
      typeof packet.pattern === 'string' ? packet.pattern : JSON.stringify(packet.pattern);
    const headers = outboundHeaders(readTenantContext(), subject);
    if (packet.data instanceof NatsRecord && packet.data.headers) {
      for (const [key, values] of packet.data.headers as Iterable<[string, string[]]>) {
        if (!headers.has(key)) values.forEach((value) => headers.append(key, value));
      }
    }
    return { data: codec.encode({ ...packet, data: payload }), headers };
  }
}
