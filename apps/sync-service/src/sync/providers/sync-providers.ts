import { Injectable } from '@nestjs/common';
import { ProviderError, type SyncProvider } from './sync-provider';
import { HttpProvider } from './http.provider';
import { SimulatedProvider } from './simulated.provider';

/** Providers by the name an account stores; tests swap one with `overrideProvider`. */
@Injectable()
export class SyncProviders {
  private readonly byName: Map<string, SyncProvider>;

  constructor(simulated: SimulatedProvider, http: HttpProvider) {
    this.byName = new Map<string, SyncProvider>([simulated, http].map((p) => [p.name, p]));
  }

  get(name: string): SyncProvider {
    const provider = this.byName.get(name);
    if (!provider) throw new ProviderError('PROVIDER_UNKNOWN', `No provider "${name}"`);
    return provider;
  }
}
