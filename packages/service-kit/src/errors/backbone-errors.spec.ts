import { classifyError, PermanentError, TransientError } from './backbone-errors';

describe(classifyError.name, () => {
  it('retries a TransientError with its own code and message', () => {
    expect(classifyError(new TransientError('MIRAKL_UNAVAILABLE', 'Mirakl answered 503'))).toEqual({
      action: 'retry',
      code: 'MIRAKL_UNAVAILABLE',
      reason: 'Mirakl answered 503',
    });
  });

  it('dead-letters a PermanentError with its own code', () => {
    expect(classifyError(new PermanentError('SKU_UNKNOWN', 'SKU X-1 is unknown', { sku: 'X-1' }))).toEqual({
      action: 'dead-letter',
      code: 'SKU_UNKNOWN',
      reason: 'SKU X-1 is unknown',
    });
  });

  it.each(['40001', '40P01'])('retries PostgreSQL SQLSTATE %s given as code', (sqlState) => {
    const error = Object.assign(new Error('could not serialize access'), { code: sqlState });
    expect(classifyError(error)).toEqual({
      action: 'retry',
      code: `PG_${sqlState}`,
      reason: 'could not serialize access',
    });
  });

  it.each(['40001', '40P01'])(
    'retries PostgreSQL SQLSTATE %s given as driverError.code (TypeORM)',
    (sqlState) => {
      const error = Object.assign(new Error('query failed'), { driverError: { code: sqlState } });
      expect(classifyError(error)).toMatchObject({ action: 'retry', code: `PG_${sqlState}` });
    },
  );

  it.each(['23505', '22P02'])(
    'dead-letters PostgreSQL SQLSTATE %s (bad data cannot succeed on retry)',
    (sqlState) => {
      expect(classifyError(Object.assign(new Error('bad row'), { code: sqlState }))).toMatchObject({
        action: 'dead-letter',
        code: `PG_${sqlState}`,
      });
      expect(
        classifyError(Object.assign(new Error('bad row'), { driverError: { code: sqlState } })),
      ).toMatchObject({
        action: 'dead-letter',
        code: `PG_${sqlState}`,
      });
    },
  );

  it("trusts the driver's SQLSTATE over the wrapper's own code", () => {
    const error = Object.assign(new Error('duplicate key'), {
      code: 'QUERY_FAILED',
      driverError: { code: '23505' },
    });
    expect(classifyError(error)).toMatchObject({ action: 'dead-letter', code: 'PG_23505' });
  });

  it('retries a refused connection with the node error code', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(classifyError(error)).toEqual({
      action: 'retry',
      code: 'ECONNREFUSED',
      reason: 'connect ECONNREFUSED 127.0.0.1:5432',
    });
  });

  it('retries a plain Error as UNEXPECTED_ERROR, keeping its message', () => {
    expect(classifyError(new Error('something odd'))).toEqual({
      action: 'retry',
      code: 'UNEXPECTED_ERROR',
      reason: 'something odd',
    });
  });

  it('handles a thrown string and other non-errors without throwing', () => {
    expect(classifyError('boom')).toEqual({ action: 'retry', code: 'UNEXPECTED_ERROR', reason: 'boom' });
    expect(classifyError(undefined)).toEqual({
      action: 'retry',
      code: 'UNEXPECTED_ERROR',
      reason: 'undefined',
    });
    expect(classifyError(null)).toEqual({ action: 'retry', code: 'UNEXPECTED_ERROR', reason: 'null' });
  });
});

describe(TransientError.name, () => {
  it('is an Error named after its class that keeps code and details', () => {
    const error = new TransientError('LOCK_TIMEOUT', 'lock timed out', { orderId: 'o-1' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TransientError');
    expect(error.kind).toBe('transient');
    expect(error.details).toEqual({ orderId: 'o-1' });
  });
});
