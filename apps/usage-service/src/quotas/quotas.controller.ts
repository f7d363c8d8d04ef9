import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { QuotaStatusView } from './dto/quota.dto';
import { QuotaService } from './quota.service';

@ApiTags('quotas')
@ApiBearerAuth()
@Controller('api/v1/quotas')
export class QuotasController {
  constructor(private readonly quotas: QuotaService) {}

  /** Usage against the plan's limits in the current period (calendar month, UTC). */
  @Get()
  @ApiOkResponse({ type: [QuotaStatusView] })
  list(): Promise<QuotaStatusView[]> {
    return this.quotas.list();
  }
}
