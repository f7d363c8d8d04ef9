import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { MeterView } from './dto/meter.dto';
import { MeterCatalog } from './meter-catalog';

@ApiTags('meters')
@ApiBearerAuth()
@Controller('api/v1/meters')
export class MetersController {
  constructor(private readonly catalog: MeterCatalog) {}

  /** What is metered and how (the same for every tenant). */
  @Get()
  @ApiOkResponse({ type: [MeterView] })
  list(): MeterView[] {
    return this.catalog
      .all()
      .map(({ name, eventType, aggregation, valueProperty, groupBy, limitKey, description }) => ({
        name,
        eventType,
        aggregation,
        valueProperty,
        groupBy,
        limitKey,
        description,
      }));
  }
}
