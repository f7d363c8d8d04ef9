import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TenantContext } from '@tenantbus/tenant-context';
import { TenantView } from '../tenants/dto/tenant.dto';
import { TenantsService } from '../tenants/tenants.service';

/** The one route a tenant API key reaches here: its own tenant, resolved by the HTTP edge. */
@ApiTags('me')
@ApiBearerAuth()
@Controller('api/v1/me')
export class MeController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly context: TenantContext,
  ) {}

  @Get()
  @ApiOkResponse({ type: TenantView })
  me(): Promise<TenantView> {
    return this.tenants.get(this.context.tenantId);
  }
}
