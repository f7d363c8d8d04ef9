import {
  RpcException,
  ServerNats,
  type MessageHandler,
  type NatsContext,
  type NatsOptions,
} from '@nestjs/microservices';
import { JSONCodec, type MsgHdrs } from 'nats';
import { from, lastValueFrom, throwError, toArray, type Observable } from 'rxjs';
import type { TenantContext } from '../context/tenant-context';
import { rpcErrorOf } from '../http/tenantbus-exception.filter';
import type { RouteScope } from '../http/scope.decorators';
import { TENANT_SPAN_ATTRIBUTES } from '../observability/tenant-span.processor';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import { admitTenantMessage, type TenantVerifier } from './message-admission';
import { concerningTenantOf, correlationIdOf } from './tenant-headers';
import { withConsumerSpan } from './trace-carrier';

const codec = JSONCodec<unknown>();
const TENANT_SCOPE: RouteScope = { kind: 'tenant' };

/** What the server needs to run each handler in its message's scope. */
export interface MessageScopes {
  readonly context: TenantContext;
  readonly deadLetters: DeadLetterPublisher;
  /** Checks that a message's tenant is known; absent, well-formed headers are enough. */
  readonly verifyTenant?: TenantVerifier;
  /** The scope each handler declares, by route (`@SystemScoped`); undeclared ones are `tenant`. */
  readonly declared: ReadonlyMap<string, RouteScope>;
}

/** A handler's failure, carrying the reply Nest's exception filter already made of it. */
class HandlerFailed extends Error {
  constructor(readonly reply: unknown) {
    super('the message handler failed');
  }
}

/**
 * Nest's NATS transport with every `@MessagePattern`/`@EventPattern` handler run in the scope its
 * message carries: the tenant restored from the headers (admitted first: present, well-formed,
 * agreeing with the payload, known) or, for handlers declared `@SystemScoped`, `asSystem` — in
 * a CONSUMER span continuing the sender's trace. The scope gives the handler its own
 * EntityManager and transaction, committed before the reply goes out (rolled back when the handler
 * fails). A message that may not run never reaches its handler: a request gets an error reply,
 * an event is dead-lettered with the reason.
 *
 * Here rather than in a global interceptor: Nest binds every interceptor's `next` to a new
 * AsyncResource per message, which cost more CPU than the scope itself (bench: context).
 */
export class TenantNatsServer extends ServerNats {
  /** By subscribed channel: a handful, and each would otherwise be JSON-parsed per message. */
  private readonly scopedHandlers = new Map<string, MessageHandler>();

  constructor(
    options: Required<NatsOptions>['options'],
    private readonly scopes: MessageScopes,
  ) {
    super(options);
  }

  override getHandlerByPattern(channel: string): MessageHandler | null {
    const cached = this.scopedHandlers.get(channel);
    if (cached) return cached;
    const route = this.getRouteFromPattern(channel);
    const handler = this.messageHandlers.get(route);
    if (!handler) return null;
    const scoped = this.inScope(handler, this.scopes.declared.get(route) ?? TENANT_SCOPE);
    this.scopedHandlers.set(channel, scoped);
    return scoped;
  }

  private inScope(handler: MessageHandler, scope: RouteScope): MessageHandler {
    const scoped: MessageHandler = async (data: unknown, ctx?: NatsContext) => {
      try {
        return from(await this.runInScope(handler, scope, data, ctx as NatsContext));
      } catch (error) {
        const reply = error instanceof HandlerFailed ? error.reply : rpcErrorOf(error);
        return throwError(() => reply);
      }
    };
    scoped.isEventHandler = handler.isEventHandler;
    scoped.extras = handler.extras;
    return scoped;
  }

  /** The handler's replies, gathered inside its scope so that they follow its commit. */
  private runInScope(
    handler: MessageHandler,
    scope: RouteScope,
    data: unknown,
    ctx: NatsContext,
  ): Promise<unknown[]> {
    const { context, deadLetters, verifyTenant } = this.scopes;
    const headers = ctx.getHeaders() as MsgHdrs | undefined;
    const subject = ctx.getSubject();
    const run = async () => {
      const replies = this.transformToObservable(await handler(data, ctx)) as Observable<unknown>;
      return lastValueFrom(replies.pipe(toArray())).catch((reply: unknown) => {
        throw new HandlerFailed(reply);
      });
    };
    return withConsumerSpan(subject, headers, async (span) => {
      if (scope.kind === 'system') {
        return context.asSystem(scope.reason, run, {
          correlationId: correlationIdOf(headers),
          actor: { kind: 'service', id: subject },
          concerning: concerningTenantOf(headers),
        });
      }
      const admission = await admitTenantMessage(headers, data, verifyTenant);
      if (admission.ok) {
        span.setAttribute(TENANT_SPAN_ATTRIBUTES.tenantId, admission.tenantId);
        return context.runWithTenant(admission.tenantId, run, {
          correlationId: admission.correlationId,
          actor: admission.actor,
        });
      }
      if (!handler.isEventHandler) {
        throw new RpcException({ code: admission.reason, message: admission.detail });
      }
      await deadLetters.publish({
        subject,
        data: codec.encode(data),
        headers,
        reason: admission.reason,
        detail: admission.detail,
      });
      return [];
    });
  }
}
