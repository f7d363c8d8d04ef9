/**
 * At most one call in flight per key: callers asking for a key that is already being fetched get
 * the same promise, so a burst of misses costs one request.
 */
export class SingleFlight<K, V> {
  private readonly flights = new Map<K, Promise<V>>();

  run(key: K, fetch: () => Promise<V>): Promise<V> {
    let flight = this.flights.get(key);
    if (!flight) {
      flight = fetch().finally(() => this.flights.delete(key));
      this.flights.set(key, flight);
    }
    return flight;
  }

  /** Settles when every call in flight now has (whatever its outcome). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.flights.values()]);
  }
}
