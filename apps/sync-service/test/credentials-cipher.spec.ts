import {
  CredentialsCipher,
  CredentialsKeyUnknownError,
  parseCredentialsKeys,
} from '../src/credentials/credentials.cipher';

const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');
const owner = { tenantId: '7c0f4a4e-1d7e-4a53-9a57-0c4b1f3c1a11', accountId: '310316675' };

describe('CredentialsCipher (AES-256-GCM, key id kept with the ciphertext)', () => {
  it('seals with the first key and opens only for the same owner', () => {
    const cipher = new CredentialsCipher(parseCredentialsKeys(`k2:${key(2)},k1:${key(1)}`));
    const sealed = cipher.seal({ airbnb_cookie: 'c' }, owner);
    expect(sealed.keyId).toBe('k2');
    expect(sealed.ciphertext).not.toContain('c"');
    expect(cipher.open(sealed, owner)).toEqual({ airbnb_cookie: 'c' });
    expect(() => cipher.open(sealed, { ...owner, accountId: 'x' })).toThrow();
    // A fresh IV per seal: the same secret never looks the same twice.
    expect(cipher.seal({ airbnb_cookie: 'c' }, owner).ciphertext).not.toBe(sealed.ciphertext);
  });

  it('keeps opening what an older key sealed after rotation, and knows it is stale', () => {
    const before = new CredentialsCipher(parseCredentialsKeys(`k1:${key(1)}`));
    const after = new CredentialsCipher(parseCredentialsKeys(`k2:${key(2)},k1:${key(1)}`));
    const old = before.seal({ token: 't' }, owner);
    expect(after.open(old, owner)).toEqual({ token: 't' });
    expect([after.isCurrent(old.keyId), after.isCurrent('k2')]).toEqual([false, true]);
    const dropped = new CredentialsCipher(parseCredentialsKeys(`k2:${key(2)}`));
    expect(() => dropped.open(old, owner)).toThrow(CredentialsKeyUnknownError);
  });

  it('refuses tampered ciphertext', () => {
    const cipher = new CredentialsCipher(parseCredentialsKeys(`k1:${key(1)}`));
    const sealed = cipher.seal({ token: 't' }, owner);
    const [iv, tag, body] = sealed.ciphertext.split('.');
    const flipped = Buffer.from(body, 'base64');
    flipped[0] ^= 1;
    expect(() =>
      cipher.open(
        { ...sealed, ciphertext: [iv, tag, flipped.toString('base64')].join('.') },
        owner,
      ),
    ).toThrow();
  });

  it.each([
    ['a short key', `k1:${Buffer.alloc(16).toString('base64')}`],
    ['a missing id', `:${key(1)}`],
    ['an id twice', `k1:${key(1)},k1:${key(2)}`],
    ['an extra part', `k1:${key(1)}:x`],
  ])('refuses CREDENTIALS_KEYS with %s at boot', (_label, value) => {
    expect(() => parseCredentialsKeys(value)).toThrow(/CREDENTIALS_KEYS/);
  });
});
