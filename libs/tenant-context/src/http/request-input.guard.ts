import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { InputTooDeepError, TextUnstorableError } from '../errors/tenantbus.error';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** NUL (Postgres text and jsonb refuse it) or a UTF-16 surrogate without its other half. */
const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

/** Deeper than any DTO, settings or event payload nests; Nest's ValidationPipe recurses. */
export const MAX_INPUT_DEPTH = 32;

/**
 * The first thing wrong with a parsed request part, looking at every string and object key;
 * iterative, so a hostile depth cannot overflow the stack here.
 */
export function inputProblem(value: unknown): 'text' | 'depth' | undefined {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length) {
    const [item, depth] = pending.pop() as [unknown, number];
    if (typeof item === 'string') {
      if (unstorable(item)) return 'text';
    } else if (item !== null && typeof item === 'object') {
      if (depth > MAX_INPUT_DEPTH) return 'depth';
      for (const [key, child] of Object.entries(item)) {
        if (unstorable(key)) return 'text';
        pending.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses, with a 400 before any pipe or handler runs, input no route can use — wherever it is
 * (path, query, body), declared by the route or not: text the database cannot store (which
 * would otherwise be a 500, or a lone surrogate silently stored as U+FFFD) and nesting deep
 * enough to overflow the validation pipe's recursion (a 500 too). A guard, after the tenant's:
 * credentials are checked first, and an interceptor would wrap every message handler too.
 */
@Injectable()
export class RequestInputGuard implements CanActivate {
  canActivate(execution: ExecutionContext): boolean {
    if (execution.getType() === 'http') {
      const request = execution.switchToHttp().getRequest<Request>();
      const parts = { path: request.params, query: request.query, body: request.body as unknown };
      for (const [where, value] of Object.entries(parts)) {
        const problem = inputProblem(value);
        if (problem === 'text') throw new TextUnstorableError(where);
        if (problem === 'depth') throw new InputTooDeepError(where, MAX_INPUT_DEPTH);
      }
    }
    return true;
  }
}
