import { Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { AdminController } from '../common/admin-controller.decorator';
import { AuditLogService } from './audit-log.service';
import { AuditPage, ListAuditQuery } from './dto/audit.dto';

@AdminController('api/v1/tenants/:id/audit', 'audit')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @ApiOkResponse({ type: AuditPage })
  list(@Param('id') id: string, @Query() query: ListAuditQuery): Promise<AuditPage> {
    return this.auditLog.list(id, query);
  }
}
