import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NatsContext, RpcException } from '@nestjs/microservices';
import { PATTERN_HANDLER_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { JSONCodec } from 'nats';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { TenantContext } from '../context/tenant-context';
import { DeadLetterPublisher } from '../nats/dead-letter.publisher';
import { admitTenantMessage, type TenantVerifier } from '../nats/message-admission';
import { concerningTenantOf, correlationIdOf } from '../nats/tenant-headers';
import { withConsumerSpan } from '../nats/trace-carrier';
import { TENANT_SPAN_ATTRIBUTES } from '../observability/tenant-span.processor';
import { routeScope } from './tenant-resolution.guard';

const codec = JSONCodec<unknown>();

/**
 * Runs every handler inside its scope: HTTP handlers in the tenant the guard bound (or
 * `asSystem` for system routes); NATS `@EventPattern`/`@MessagePattern` handlers in a fresh
 * scope restored from the message headers. Either way the scope hooks give the handler its own
 * EntityManager and transaction. A message that may not run never reaches the handler.
 */
@Injectable()
export class TenantScopeInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly context: TenantContext,
    private readonly deadLetters?: DeadLetterPublisher,
    private readonly verifyTenant?: TenantVerifier,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const scope = routeScope(this.reflector, execution);
    const handle = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    if (execution.getType() === 'rpc') return from(this.handleMessage(execution, scope, handle));
    switch (scope.kind) {
      case 'public':
        return next.handle();
      case 'system':
        return from(this.context.asSystem(scope.reason, handle));
      case 'tenant':
        return from(this.context.runWithTenant(this.context.tenantId, handle));
    }
  }

  private async handleMessage(
    execution: ExecutionContext,
    scope: ReturnType<typeof routeScope>,
    handle: () => Promise<unknown>,
  ): Promise<unknown> {
    const nats = execution.switchToRpc().getContext<NatsContext>();
    const payload: unknown = execution.switchToRpc().getData();
    const headers = nats.getHeaders() as Parameters<typeof correlationIdOf>[0];
    const subject = nats.getSubject();
    return withConsumerSpan(subject, headers, async (span) => {
      if (scope.kind === 'system') {
        return this.context.asSystem(scope.reason, handle, {
          correlationId: correlationIdOf(headers),
          actor: { kind: 'service', id: subject },
          concerning: concerningTenantOf(headers),
        });
      }
      const admission = await admitTenantMessage(headers, payload, this.verifyTenant);
      if (admission.ok) {
        span.setAttribute(TENANT_SPAN_ATTRIBUTES.tenantId, admission.tenantId);
        return this.context.runWithTenant(admission.tenantId, handle, {
          correlationId: admission.correlationId,
          actor: admission.actor,
        });
      }
      const isEvent =
        this.reflector.get<PatternHandler>(PATTERN_HANDLER_METADATA, execution.getHandler()) ===
        PatternHandler.EVENT;
      if (!isEvent) throw new RpcException({ code: admission.reason, message: admission.detail });
      await this.deadLetters?.publish({
        subject,
        data: codec.encode(payload),
        headers,
        reason: admission.reason,
        detail: admission.detail,
      });
      return undefined;
    });
  }
}
