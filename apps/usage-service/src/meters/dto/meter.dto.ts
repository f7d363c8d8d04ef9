import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AGGREGATIONS, type Aggregation } from '../meter.entity';

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
