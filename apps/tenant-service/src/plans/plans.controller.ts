import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SystemScoped } from '@tenantbus/tenant-context';
import { PlanView, UpsertPlanDto } from './dto/plan.dto';
import { PlansService } from './plans.service';

@ApiTags('plans')
@ApiBearerAuth()
@SystemScoped('admin api: plans')
@Controller('api/v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @ApiOkResponse({ type: [PlanView] })
  list(): Promise<PlanView[]> {
    return this.plans.list();
  }

  @Put(':code')
  @ApiOkResponse({ type: PlanView })
  upsert(@Param('code') code: string, @Body() dto: UpsertPlanDto): Promise<PlanView> {
    return this.plans.upsert(code, dto);
  }
}
