import { Writable } from 'node:stream';
import { withCorrelation } from './correlation';
import { createLogger, redactUrl } from './logger';

/** A destination that keeps every line pino writes, parsed. */
function collector() {
  const lines: string[] = [];
  const destination = {
    write(chunk: string) {
      lines.push(...chunk.split('\n').filter(Boolean));
    },
  };
  return { destination, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const secrets = {
  apiKey: 'mirakl-key-123',
  password: 'hunter2',
  customer: {
    id: 'cust-7',
    email: 'jane@example.com',
    shippingAddress: { street1: '1 Secret Lane', city: 'Lyon' },
  },
  req: { method: 'POST', headers: { authorization: 'Bearer tok-abc', 'content-type': 'application/json' } },
};

describe(createLogger.name, () => {
  it('writes JSON lines with the service name and the level as a label', () => {
    const out = collector();
    const logger = createLogger('order-gateway', 'info', out.destination);

    logger.info({ orderId: 'o-1' }, 'order accepted');
    logger.warn('stock low');

    const [first, second] = out.json();
    expect(first).toMatchObject({
      service: 'order-gateway',
      level: 'info',
      orderId: 'o-1',
      msg: 'order accepted',
    });
    expect(second).toMatchObject({ service: 'order-gateway', level: 'warn', msg: 'stock low' });
    expect(typeof first.time).toBe('string');
  });

  it('drops lines below the configured level', () => {
    const out = collector();
    const logger = createLogger('order-gateway', 'warn', out.destination);
    logger.info('not shown');
    logger.error('shown');
    expect(out.json().map((l) => l.msg)).toEqual(['shown']);
  });

  it('redacts credentials and customer personal data and never prints their values', () => {
    const out = collector();
    createLogger('order-gateway', 'info', out.destination).info(secrets, 'incoming order');

    const [line] = out.json();
    expect(line.apiKey).toBe('[redacted]');
    expect(line.password).toBe('[redacted]');
    expect(line.customer.shippingAddress).toBe('[redacted]');
    expect(line.customer.email).toBe('[redacted]');
    expect(line.req.headers.authorization).toBe('[redacted]');
    // What the flow needs is kept.
    expect(line.customer.id).toBe('cust-7');
    expect(line.req.headers['content-type']).toBe('application/json');

    const raw = out.lines.join('\n');
    for (const value of [
      'mirakl-key-123',
      'hunter2',
      'jane@example.com',
      '1 Secret Lane',
      'Lyon',
      'tok-abc',
    ]) {
      expect(raw).not.toContain(value);
    }
  });

  it('redacts personal data logged bare or nested two levels down', () => {
    const out = collector();
    createLogger('order-gateway', 'info', out.destination).info(
      {
        email: 'top@example.com',
        order: { customer: { email: 'deep@example.com', phone: '+33 6 12 34 56 78', id: 'c-1' } },
      },
      'order seen',
    );
    const [line] = out.json();
    expect(line.email).toBe('[redacted]');
    expect(line.order.customer.email).toBe('[redacted]');
    expect(line.order.customer.phone).toBe('[redacted]');
    expect(line.order.customer.id).toBe('c-1');
    expect(out.lines.join('\n')).not.toMatch(/top@|deep@|12 34/);
  });

  it("never prints a failed statement's parameters or PostgreSQL's detail when an error is logged", () => {
    const out = collector();
    const err = Object.assign(
      new Error('duplicate key value violates unique constraint "customer_name_key"'),
      {
        query: 'INSERT INTO customer (name) VALUES ($1)',
        parameters: ['Camille Martin'],
        detail: 'Key (name)=(Camille Martin) already exists.',
        driverError: {
          detail: 'Key (name)=(Camille Martin) already exists.',
          parameters: ['Camille Martin'],
        },
      },
    );
    createLogger('order-gateway', 'info', out.destination).error({ err }, 'handler failed');
    const [line] = out.json();
    expect(line.err.message).toMatch(/duplicate key/);
    expect(line.err.query).toBe('INSERT INTO customer (name) VALUES ($1)');
    expect(out.lines.join('\n')).not.toContain('Camille');
  });

  it('writes through a Writable stream too', () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    createLogger('order-gateway', 'info', stream).info({ password: 'hunter2' }, 'login');

    const line = JSON.parse(chunks.join(''));
    expect(line).toMatchObject({ service: 'order-gateway', level: 'info', password: '[redacted]' });
  });

  it('adds correlationId and causationId inside withCorrelation, and nothing outside it', async () => {
    const out = collector();
    const logger = createLogger('order-gateway', 'info', out.destination);

    await withCorrelation({ correlationId: 'c-1', causationId: 'e-1' }, async () => {
      logger.info('before await');
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('after await');
    });
    withCorrelation({ correlationId: 'c-2' }, () => logger.info('no causation'));
    logger.info('outside');

    const [before, after, noCausation, outside] = out.json();
    expect(before).toMatchObject({ correlationId: 'c-1', causationId: 'e-1' });
    expect(after).toMatchObject({ correlationId: 'c-1', causationId: 'e-1' });
    expect(noCausation.correlationId).toBe('c-2');
    expect(noCausation).not.toHaveProperty('causationId');
    expect(outside).not.toHaveProperty('correlationId');
    expect(outside).not.toHaveProperty('causationId');
  });
});

describe(redactUrl.name, () => {
  it('hides the password of a postgres URL and keeps the rest', () => {
    const shown = redactUrl('postgres://app:s3cret@db.internal:5432/orders?sslmode=require');
    expect(shown).not.toContain('s3cret');
    expect(shown).toBe('postgres://app:***@db.internal:5432/orders?sslmode=require');
  });

  it('hides credentials passed as query parameters', () => {
    const shown = redactUrl('postgres://db.internal/orders?user=app&password=s3cret&sslmode=require');
    expect(shown).not.toContain('s3cret');
    expect(shown).toContain('sslmode=require');
  });

  it('leaves a URL without a password unchanged', () => {
    expect(redactUrl('postgresql://db.internal:5432/orders')).toBe('postgresql://db.internal:5432/orders');
  });

  it('returns a placeholder for a string that is not a URL, never the string itself', () => {
    expect(redactUrl('not a url:hunter2')).toBe('<unparseable url>');
    expect(redactUrl('')).toBe('<unparseable url>');
  });
});
