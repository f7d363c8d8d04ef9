import type { DomainView } from './dto/domain.dto';
import type { Domain } from './domain.entity';

export function toDomainView(domain: Domain): DomainView {
  return {
    hostname: domain.hostname,
    primary: domain.isPrimary,
    createdAt: domain.createdAt.toISOString(),
  };
}
