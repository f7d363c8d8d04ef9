import { Module } from '@nestjs/common';
import { MeterCatalog } from './meter-catalog';
import { MetersController } from './meters.controller';

@Module({ controllers: [MetersController], providers: [MeterCatalog], exports: [MeterCatalog] })
export class MetersModule {}
