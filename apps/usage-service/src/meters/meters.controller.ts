import { Controller, Get } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { AGGREGATIONS, type Aggregation } from './meter.entity';
import { MeterCatalog } from './meter-catalog';

export class MeterView {
  @ApiProperty() name!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: AGGREGATIONS }) aggregation!: Aggregation;
  @ApiPropertyOptional({ nullable: true, type: String }) valueProperty!: string | null;
  @ApiProperty({ type: [String] }) groupBy!: string[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Plan limit key' })
  limitKey!: string | null;
  @ApiProperty() description!: string;
}

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
