/**
 * statementOf: the in-toto statement inside a stored DSSE envelope (the registry
 * wrote it, but it is decoded defensively: a page never fails on one odd row).
 */
export interface DecodedStatement {
  readonly predicateType: string;
  readonly predicate: Record<string, unknown>;
}

export function statementOf(envelopeJson: string | null): DecodedStatement | undefined {
  if (!envelopeJson) return undefined;
  try {
    const env = JSON.parse(envelopeJson) as { payload?: unknown };
    if (typeof env.payload !== 'string') return undefined;
    const s = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as {
      predicateType?: unknown;
      predicate?: unknown;
    };
    if (typeof s.predicateType !== 'string' || typeof s.predicate !== 'object' || !s.predicate)
      return undefined;
    return { predicateType: s.predicateType, predicate: s.predicate as Record<string, unknown> };
  } catch {
    return undefined;
  }
}
