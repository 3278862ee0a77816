import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookSignature } from '../src';
import { Harness, orderBody } from './backoffice-harness';

interface Received {
  seq: number;
  type: string;
  signature: string;
  body: string;
}

describe('webhooks', () => {
  const h = new Harness();
  let receiver: Server;
  let url: string;
  let received: Received[];
  let failuresLeft: number;

  beforeEach(async () => {
    received = [];
    failuresLeft = 0;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft--;
          res.writeHead(503).end();
          return;
        }
        const change = JSON.parse(body) as { seq: number; type: string };
        received.push({
          seq: change.seq,
          type: change.type,
          signature: String(req.headers['x-backoffice-signature']),
          body,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/backoffice`;
    await h.start();
  });
  afterEach(async () => {
    await h.stop();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  async function until(done: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  it('posts every change in seq order, signed, retrying with back-off while the receiver fails', async () => {
    failuresLeft = 3;
    const reg = await h.admin('POST', '/admin/webhooks', {
      url,
      secret: 'a-secret-of-16-chars',
      retryBaseMs: 10,
      retryMaxMs: 40,
    });
    expect(reg.status).toBe(201);
    await until(() => h.sandbox.backOffice.webhooks.list()[0]?.delivered_seq === 8);
    expect(received.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const r of received) {
      const t = Number(/^t=(\d+),/.exec(r.signature)![1]);
      expect(r.signature).toBe(webhookSignature('a-secret-of-16-chars', t, r.body));
    }
    const [hook] = (await h.admin('GET', '/admin/webhooks')).body.webhooks;
    expect(hook).toMatchObject({
      id: reg.body.id,
      delivered_seq: 8,
      pending: 0,
      delivered: 8,
      failed_attempts: 3,
      last_status: 204,
    });

    await h.customer('MC-1');
    await h.postOrder('k-1', orderBody('ORD-1'));
    await until(() => received.length >= 9);
    expect(received[8]).toMatchObject({ seq: 9, type: 'stock.changed' });
  });

  it('keeps retrying while the receiver is unreachable, then catches up in order', async () => {
    const dead = `http://127.0.0.1:1/unreachable`;
    await h.admin('POST', '/admin/webhooks', {
      url: dead,
      retryBaseMs: 10,
      retryMaxMs: 20,
      types: ['stock.changed'],
    });
    await until(() => false, 150);
    const [hook] = (await h.admin('GET', '/admin/webhooks')).body.webhooks;
    expect(hook.delivered_seq).toBe(3); // products skipped by the type filter, stuck at the first stock change
    expect(hook.failed_attempts).toBeGreaterThan(2);
    expect(hook.last_error).toMatch(/ECONNREFUSED|fetch failed/);

    const live = await h.admin('POST', '/admin/webhooks', { url, types: ['stock.changed'], retryBaseMs: 10 });
    await until(() => received.length >= 5);
    expect(received.map((r) => r.seq)).toEqual([4, 5, 6, 7, 8]);
    expect((await h.admin('DELETE', `/admin/webhooks/${live.body.id}`)).status).toBe(204);
    expect((await h.admin('POST', '/admin/webhooks', { url: 'ftp://x' })).status).toBe(422);
  });
});
