import { MiraklApiError, miraklErrorBody, retryAfterMs } from './errors';

describe(retryAfterMs.name, () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('30')).toBe(30_000);
    expect(retryAfterMs('1.5')).toBe(1500);
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(retryAfterMs('Fri, 27 Nov 2026 10:00:42 GMT', now)).toBe(42_000);
    expect(retryAfterMs('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe(miraklErrorBody.name, () => {
  it("takes Mirakl's message and code, from the top level or an errors list", () => {
    expect(
      miraklErrorBody(
        '{"status":400,"message":"The limit of 100 is exceeded for the parameter : order_ids"}',
      ),
    ).toEqual({
      message: 'The limit of 100 is exceeded for the parameter : order_ids',
      code: undefined,
    });
    expect(
      miraklErrorBody('{"errors":[{"code":"ORDER_INVALID_STATE","message":"Order is not in SHIPPING"}]}'),
    ).toEqual({
      message: 'Order is not in SHIPPING',
      code: 'ORDER_INVALID_STATE',
    });
  });

  it('keeps a short excerpt of a body that is not JSON', () => {
    expect(miraklErrorBody('<html>Bad gateway</html>').message).toBe('<html>Bad gateway</html>');
    expect(miraklErrorBody('x'.repeat(1000)).message).toHaveLength(301);
    expect(miraklErrorBody('')).toEqual({});
  });
});

describe(MiraklApiError.name, () => {
  it('says which call failed and how, and which failures are transient', () => {
    const e = new MiraklApiError(
      'OR24',
      'decathlon-fr',
      400,
      'Order is not in SHIPPING',
      'ORDER_INVALID_STATE',
      undefined,
      'PUT /api/orders/X-A/ship',
    );
    expect(e.message).toBe(
      'OR24 on decathlon-fr failed: HTTP 400 ORDER_INVALID_STATE: Order is not in SHIPPING (PUT /api/orders/X-A/ship)',
    );
    expect(e.transient).toBe(false);
    expect(
      new MiraklApiError('OR11', 'mp', 429, undefined, undefined, 30_000, 'GET /api/orders').transient,
    ).toBe(true);
    expect(
      new MiraklApiError('OR11', 'mp', 0, 'socket hang up', undefined, undefined, 'GET /api/orders')
        .transient,
    ).toBe(true);
  });
});
