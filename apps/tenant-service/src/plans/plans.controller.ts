import { Body, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { AdminController } from '../common/admin-controller.decorator';
import { PlanView, UpsertPlanDto } from './dto/plan.dto';
import { PlansService } from './plans.service';

@AdminController('api/v1/plans', 'plans')
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
