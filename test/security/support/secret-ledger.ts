/** Where a secret was found, by the kind of output. */
export interface SecretSighting {
  readonly secret: string;
  readonly where: string;
}

interface Entry {
  readonly label: string;
  readonly value: string;
  /** The one answer allowed to carry it: the response that issued it (shown once). */
  issuedBy?: object;
}

/**
 * Every secret the run hands to the services (admin token, credentials keys, API key secrets,
 * account credentials, invitation tokens), and a scan of any output for them.
 */
export class SecretLedger {
  private readonly entries: Entry[] = [];

  add(label: string, value: string, issuedBy?: object): string {
    if (value.length < 12) throw new Error(`${label}: too short to scan for without false hits`);
    this.entries.push({ label, value, issuedBy });
    return value;
  }

  get size(): number {
    return this.entries.length;
  }

  /** `origin` is the answer object the text came from, if any (its issuer may carry it). */
  scan(where: string, text: string, origin?: object): SecretSighting[] {
    return this.entries
      .filter((entry) => entry.issuedBy === undefined || entry.issuedBy !== origin)
      .filter((entry) => text.includes(entry.value))
      .map((entry) => ({ secret: entry.label, where }));
  }
}
