import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AccountCredentials } from './account-credentials';
import { CredentialsCipher, parseCredentialsKeys } from './credentials.cipher';
import { CredentialsRotationService } from './credentials-rotation.service';
import { CredentialsController } from './credentials.controller';

/**
 * The keyring from `CREDENTIALS_KEYS`, parsed once at boot (a bad key fails the start), and the
 * admin route that re-seals everything under the active key.
 */
@Global()
@Module({})
export class CredentialsModule {
  static forRoot(keys: string): DynamicModule {
    return {
      module: CredentialsModule,
      providers: [
        { provide: CredentialsCipher, useValue: new CredentialsCipher(parseCredentialsKeys(keys)) },
        AccountCredentials,
        CredentialsRotationService,
      ],
      controllers: [CredentialsController],
      exports: [CredentialsCipher, AccountCredentials],
    };
  }
}
