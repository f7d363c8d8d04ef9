import type { SecretSighting } from './secret-ledger';
import type { SecurityStack } from './security-stack';

export interface RunScan {
  readonly sightings: SecretSighting[];
  readonly scanned: { answers: number; logLines: number; spans: number; otlpBytes: number };
}

/**
 * Every answer (headers and body), every line the services printed and every OTLP export they
 * sent, searched for every secret of the run. Call after the services stopped (spans flushed).
 */
export function scanRun(s: SecurityStack): RunScan {
  const sightings: SecretSighting[] = [];
  for (const [index, answer] of s.answers.entries()) {
    const text = `${JSON.stringify(answer.headers)}\n${answer.text}`;
    sightings.push(...s.secrets.scan(`answer #${index} (${answer.status})`, text, answer));
  }
  let logLines = 0;
  for (const service of Object.values(s.stack.services)) {
    const output = service.output();
    logLines += output.split('\n').length;
    sightings.push(...s.secrets.scan(`${service.name} output`, output));
  }
  let otlpBytes = 0;
  for (const request of s.stack.collector.received) {
    otlpBytes += request.body.length;
    sightings.push(
      ...s.secrets.scan(
        `OTLP ${request.path}`,
        `${JSON.stringify(request.headers)}\n${request.body}`,
      ),
    );
  }
  return {
    sightings,
    scanned: {
      answers: s.answers.length,
      logLines,
      spans: s.stack.collector.spans().length,
      otlpBytes,
    },
  };
}
