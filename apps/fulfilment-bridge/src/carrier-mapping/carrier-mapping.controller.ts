import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
  Req,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AdminTokenGuard } from './admin-token.guard';
import {
  CarrierMappingInvalidError,
  CarrierMappingService,
  UnknownMarketplaceError,
} from './carrier-mapping.service';

/** Edge only: decodes, calls the service, maps its coded errors to HTTP. */
@Controller('carrier-mappings')
@UseGuards(AdminTokenGuard)
export class CarrierMappingController {
  constructor(private readonly service: CarrierMappingService) {}

  @Get(':marketplace')
  list(@Param('marketplace') marketplace: string) {
    return this.run(async () => ({ mappings: await this.service.list(marketplace) }));
  }

  @Put(':marketplace/:warehouseCarrier')
  put(
    @Param('marketplace') marketplace: string,
    @Param('warehouseCarrier') warehouseCarrier: string,
    @Body() body: { carrierCode?: unknown },
  ) {
    if (typeof body?.carrierCode !== 'string' || !body.carrierCode.trim())
      throw new BadRequestException({
        code: 'CARRIER_CODE_REQUIRED',
        message: 'body must be {"carrierCode": "<SH21 code>"}',
      });
    const code = body.carrierCode.trim();
    return this.run(() => this.service.put(marketplace, { warehouseCarrier, carrierCode: code }));
  }

  @Delete(':marketplace/:warehouseCarrier')
  @HttpCode(204)
  async remove(
    @Param('marketplace') marketplace: string,
    @Param('warehouseCarrier') warehouseCarrier: string,
  ) {
    const removed = await this.run(() => this.service.remove(marketplace, warehouseCarrier));
    if (!removed)
      throw new NotFoundException({ code: 'NOT_MAPPED', message: `${warehouseCarrier} is not mapped` });
  }

  /** `text/csv` body: `warehouse_carrier,carrier_code` lines; the whole file or nothing. */
  @Post(':marketplace/import')
  async importCsv(
    @Param('marketplace') marketplace: string,
    @Req() req: IncomingMessage & { body?: unknown },
  ) {
    const csv = typeof req.body === 'string' ? req.body : await readText(req);
    return this.run(() => this.service.importCsv(marketplace, csv));
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UnknownMarketplaceError)
        throw new NotFoundException({ code: err.code, message: err.message });
      if (err instanceof CarrierMappingInvalidError)
        throw new UnprocessableEntityException({
          code: err.code,
          message: err.message,
          problems: err.problems,
        });
      throw err;
    }
  }
}

async function readText(req: IncomingMessage, max = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max)
      throw new BadRequestException({ code: 'FILE_TOO_LARGE', message: 'the file is over 1 MB' });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
