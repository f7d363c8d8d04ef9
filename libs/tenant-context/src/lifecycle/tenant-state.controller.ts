import { EntityManager } from '@mikro-orm/postgresql';
import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { TenantNotFoundError } from '../errors/tenantbus.error';
import { SystemScoped } from '../http/scope.decorators';
import { TenantState } from './tenant-state.entity';

export class TenantStateView {
  @ApiProperty() tenantId!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ enum: ['active', 'suspended', 'deleted'] }) status!: string;
  @ApiProperty() planCode!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number', nullable: true } })
  limits!: Record<string, number | null>;
  @ApiProperty({ description: "The registry's version of the tenant this service has applied" })
  version!: number;
  @ApiPropertyOptional({ nullable: true, type: String }) purgedAt!: string | null;
  @ApiProperty() updatedAt!: string;
}

/**
 * What this service knows of a tenant, for operators ("has it caught up with the registry?")
 * and for end-to-end checks of provisioning.
 */
@ApiTags('tenant state')
@ApiBearerAuth()
@SystemScoped('admin api: tenant state')
@Controller('api/v1/admin/tenants')
export class TenantStateController {
  constructor(private readonly em: EntityManager) {}

  @Get(':tenantId/state')
  @ApiOkResponse({ type: TenantStateView })
  async get(@Param('tenantId', ParseUUIDPipe) tenantId: string): Promise<TenantStateView> {
    const state = await this.em.findOne(TenantState, { tenantId });
    if (!state) throw new TenantNotFoundError({ tenantId });
    return {
      tenantId: state.tenantId,
      slug: state.slug,
      status: state.status,
      planCode: state.planCode,
      limits: state.limits,
      version: state.version,
      purgedAt: state.purgedAt?.toISOString() ?? null,
      updatedAt: state.updatedAt.toISOString(),
    };
  }
}
