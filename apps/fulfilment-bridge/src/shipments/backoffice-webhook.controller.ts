import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  Controller,
  ForbiddenException,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import { CLOCK, type Clock } from '@seller-bridge/service-kit';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import type { WarehouseShipment } from '../backoffice/backoffice-client';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';
import { WarehouseShipmentRecorder } from './warehouse-shipment-recorder.service';

/** Signatures older (or newer) than this are refused: a captured delivery cannot be replayed later. */
const TOLERANCE_S = 300;

/** Is `header` (`t=<unix s>,v1=<hex>`) the HMAC-SHA256 of `"<t>.<body>"` with `secret`, made within the tolerance? */
export function validSignature(
  secret: string,
  header: string | undefined,
  body: Buffer,
  nowS: number,
): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m || Math.abs(nowS - Number(m[1])) > TOLERANCE_S) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.`).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

/**
 * The back office's webhook (`POST /webhooks/backoffice`): `shipment.created` changes are recorded at once
 * (the shipments feed would bring them too, a little later; one row either way). Other change types are
 * acknowledged and left to the feed readers.
 */
@Controller('webhooks')
export class BackofficeWebhookController {
  constructor(
    private readonly config: FulfilmentBridgeConfig,
    private readonly ds: DataSource,
    private readonly recorder: WarehouseShipmentRecorder,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('backoffice')
  @HttpCode(204)
  async receive(@Req() req: RawBodyRequest<IncomingMessage> & { body?: unknown }): Promise<void> {
    const secret = this.config.BACKOFFICE_WEBHOOK_SECRET;
    if (!secret)
      throw new NotFoundException({
        code: 'WEBHOOK_NOT_CONFIGURED',
        message: 'set BACKOFFICE_WEBHOOK_SECRET',
      });
    const raw = req.rawBody;
    const header = req.headers['x-backoffice-signature'];
    if (
      !raw ||
      !validSignature(
        secret,
        typeof header === 'string' ? header : undefined,
        raw,
        this.clock.now().getTime() / 1000,
      )
    )
      throw new ForbiddenException({
        code: 'WEBHOOK_SIGNATURE_INVALID',
        message: 'bad or stale X-Backoffice-Signature',
      });
    const change = req.body as { type?: unknown; data?: unknown };
    if (change?.type !== 'shipment.created' || typeof change.data !== 'object' || change.data === null)
      return;
    await this.ds.transaction((m) => this.recorder.record(m, change.data as WarehouseShipment));
  }
}
