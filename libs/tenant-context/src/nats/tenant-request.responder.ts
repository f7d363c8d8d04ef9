import { Logger } from '@nestjs/common';
import type { BusNaming, SubjectDefinition } from '@tenantbus/contracts';
import { JSONCodec, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { z } from 'zod';
import type { TenantContext } from '../context/tenant-context';
import { TenantbusError } from '../errors/tenantbus.error';
import { TENANT_SPAN_ATTRIBUTES } from '../observability/tenant-span.processor';
import { admitTenantMessage, type TenantVerifier } from './message-admission';
import { withConsumerSpan } from './trace-carrier';

const codec = JSONCodec<unknown>();
const logger = new Logger('TenantRequests');

export interface TenantRequestOptions<S extends z.ZodType> {
  /** Queue group: one replica answers each request. */
  readonly queue: string;
  readonly verifyTenant?: TenantVerifier;
  readonly handle: (request: z.output<S>) => Promise<unknown>;
}

/** What a refused or failed request gets back instead of its reply. */
export interface RequestErrorReply {
  readonly error: { readonly code: string; readonly message: string };
}

/**
 * Answers a tenant-scoped request/reply subject in the requester's tenant: the tenant comes from
 * the headers (never the body) and the handler runs in a fresh scope of it (its own
 * EntityManager and transaction). Bad requests, refused tenants and domain errors come back as
 * `{ error: { code, message } }`; anything else as `INTERNAL`, logged. A plain queue
 * subscription, because subjects carry the runtime bus prefix.
 */
export function serveTenantRequests<S extends z.ZodType>(
  nc: NatsConnection,
  naming: BusNaming,
  context: TenantContext,
  definition: SubjectDefinition<S>,
  options: TenantRequestOptions<S>,
): Subscription {
  const answer = async (msg: Msg): Promise<unknown> => {
    let raw: unknown;
    try {
      raw = codec.decode(msg.data);
    } catch {
      return failure('REQUEST_INVALID', 'request body is not JSON');
    }
    const request = definition.schema.safeParse(raw);
    if (!request.success)
      return failure('REQUEST_INVALID', request.error.issues[0]?.message ?? 'invalid request');
    return withConsumerSpan(msg.subject, msg.headers, async (span) => {
      const admission = await admitTenantMessage(msg.headers, raw, options.verifyTenant);
      if (!admission.ok) return failure(admission.reason, admission.detail);
      span.setAttribute(TENANT_SPAN_ATTRIBUTES.tenantId, admission.tenantId);
      return context.runWithTenant(admission.tenantId, () => options.handle(request.data), {
        correlationId: admission.correlationId,
        actor: admission.actor,
      });
    });
  };
  return nc.subscribe(naming.subject(definition.name), {
    queue: options.queue,
    callback: (_error, msg) =>
      void answer(msg)
        .catch((error: unknown) => {
          if (error instanceof TenantbusError) return failure(error.code, error.message);
          logger.error({ msg: 'request failed', subject: msg.subject, error: String(error) });
          return failure('INTERNAL', `${definition.name} failed`);
        })
        .then((reply) => msg.respond(codec.encode(reply))),
  });
}

function failure(code: string, message: string): RequestErrorReply {
  return { error: { code, message } };
}
