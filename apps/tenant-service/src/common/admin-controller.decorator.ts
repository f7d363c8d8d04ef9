import { applyDecorators, Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { SystemScoped } from '@tenantbus/tenant-context';

/**
 * An admin API controller: admin credential required, handlers run in the audited system scope
 * (`admin api: <tag>`), documented under `tag` with bearer auth.
 */
export function AdminController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth(),
    SystemScoped(`admin api: ${tag}`),
    Controller(path),
  );
}
