import type { JsMsg } from 'nats';
import { streamSequenceOf } from '../src';

/** A delivered message as nats.js builds it: the reply subject, and `info` parsed from it. */
const delivered = (reply: string, sequence: number) =>
  ({ reply, info: { streamSequence: sequence } }) as unknown as JsMsg;

describe('streamSequenceOf', () => {
  it('reads the stream sequence from both reply subject layouts', () => {
    expect(
      streamSequenceOf(delivered('$JS.ACK.USAGE.ingest.1.4711.42.1733400000000000000.9', -1)),
    ).toBe(4711);
    expect(
      streamSequenceOf(
        delivered(
          '$JS.ACK.hub.ACCOUNTHASH.USAGE.ingest.3.1234567890123.7.1733400000000000000.0.xyz',
          -1,
        ),
      ),
    ).toBe(1234567890123);
  });

  it("falls back to nats.js's parser for any other layout", () => {
    expect(streamSequenceOf(delivered('$JS.ACK.X.Y.Z', 12))).toBe(12);
    expect(streamSequenceOf({ info: { streamSequence: 5 } } as unknown as JsMsg)).toBe(5);
  });
});
