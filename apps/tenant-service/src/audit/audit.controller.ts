import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SystemScoped } from '@tenantbus/tenant-context';
import { AuditLogService } from './audit-log.service';
import { AuditPage, ListAuditQuery } from './dto/audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@SystemScoped('admin api: tenant audit trail')
@Controller('api/v1/tenants/:id/audit')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @ApiOkResponse({ type: AuditPage })
  list(@Param('id') id: string, @Query() query: ListAuditQuery): Promise<AuditPage> {
    return this.auditLog.list(id, query);
  }
}
