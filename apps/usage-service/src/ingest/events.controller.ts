import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiTags,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import { EventsAcceptedView, UsageEventDto } from './dto/usage-event.dto';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiBearerAuth()
@ApiExtraModels(UsageEventDto)
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** One CloudEvents-shaped usage event, or an array of them (all accepted or none). */
  @Post()
  @HttpCode(202)
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(UsageEventDto) },
        { type: 'array', items: { $ref: getSchemaPath(UsageEventDto) } },
      ],
    },
  })
  @ApiAcceptedResponse({ type: EventsAcceptedView })
  submit(@Body() body: unknown): Promise<EventsAcceptedView> {
    return this.events.submit(body);
  }
}
