import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccountMetricsService } from './account-metrics.service';
import {
  AccountMetricsQuery,
  AggregateQuery,
  CustomerAggregateView,
  MetricPointView,
} from './dto/metrics.dto';

@ApiTags('metrics')
@ApiBearerAuth()
@Controller('api/v1')
export class AccountMetricsController {
  constructor(private readonly metrics: AccountMetricsService) {}

  @Get('accounts/:id/metrics')
  @ApiOkResponse({ type: [MetricPointView], description: 'Newest first' })
  forAccount(
    @Param('id') id: string,
    @Query() query: AccountMetricsQuery,
  ): Promise<MetricPointView[]> {
    return this.metrics.forAccount(id, query);
  }

  @Get('customers/:customerId/metrics/aggregate')
  @ApiOkResponse({ type: CustomerAggregateView })
  aggregate(
    @Param('customerId', ParseUUIDPipe) customerId: string,
    @Query() query: AggregateQuery,
  ): Promise<CustomerAggregateView> {
    return this.metrics.aggregate(customerId, query.start_date, query.end_date);
  }
}
