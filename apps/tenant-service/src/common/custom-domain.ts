import { Inject, Injectable } from '@nestjs/common';
import { TENANT_CONTEXT_OPTIONS, type TenantContextModuleOptions } from '@tenantbus/tenant-context';
import { InvalidRequestError } from './registry.errors';

/**
 * Custom domains may not sit on the platform's own base domain: `<x>.<BASE_DOMAIN>` is read as a
 * tenant slug by every service's host resolver, so such a domain would never reach its tenant.
 */
@Injectable()
export class CustomDomainPolicy {
  private readonly baseDomain?: string;

  constructor(@Inject(TENANT_CONTEXT_OPTIONS) options: TenantContextModuleOptions) {
    this.baseDomain = options.baseDomain?.toLowerCase();
  }

  assertAllowed(hostname: string): void {
    const base = this.baseDomain;
    if (base && (hostname === base || hostname.endsWith(`.${base}`))) {
      throw new InvalidRequestError(
        'DOMAIN_RESERVED',
        `Domains on ${base} are reserved for tenant subdomains`,
        { hostname },
      );
    }
  }
}
