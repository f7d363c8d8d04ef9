import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SystemScoped } from '@tenantbus/tenant-context';
import { TopTenantsQuery, TopTenantView, UsageQuery, UsageSeriesView } from './dto/usage.dto';
import { UsageService } from './usage.service';

@ApiTags('usage')
@ApiBearerAuth()
@Controller('api/v1/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** The caller's tenant (admins: the tenant named by `x-tenant-id`). */
  @Get()
  @ApiOkResponse({ type: UsageSeriesView })
  series(@Query() query: UsageQuery): Promise<UsageSeriesView> {
    return this.usage.series(query);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@SystemScoped('admin api: usage across tenants')
@Controller('api/v1/admin/usage')
export class AdminUsageController {
  constructor(private readonly usage: UsageService) {}

  /** Tenants ranked by a meter over a range (system scope: every tenant). */
  @Get('top')
  @ApiOkResponse({ type: [TopTenantView] })
  top(@Query() query: TopTenantsQuery): Promise<TopTenantView[]> {
    return this.usage.topTenants(query, query.limit ?? 10);
  }
}
