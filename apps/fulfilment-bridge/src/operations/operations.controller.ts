import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { AdminTokenGuard } from '../carrier-mapping/admin-token.guard';
import { OperationsService } from './operations.service';

/** The operations API (behind the admin token): held shipments, tracking numbers, re-queueing orders. */
@Controller()
@UseGuards(AdminTokenGuard)
export class OperationsController {
  constructor(private readonly ops: OperationsService) {}

  @Get('shipments/held')
  async held(@Query('marketplace') marketplace?: string) {
    return { shipments: await this.ops.heldShipments(marketplace) };
  }

  @Put('shipments/:shipmentId/tracking')
  @HttpCode(204)
  async tracking(@Param('shipmentId') shipmentId: string, @Body() body: { trackingNumber?: unknown }) {
    if (typeof body?.trackingNumber !== 'string' || !body.trackingNumber.trim())
      throw new BadRequestException({
        code: 'TRACKING_REQUIRED',
        message: 'body must be {"trackingNumber": "..."}',
      });
    if (!(await this.ops.setTracking(shipmentId, body.trackingNumber.trim())))
      throw new NotFoundException({ code: 'SHIPMENT_NOT_OPEN', message: `no open shipment ${shipmentId}` });
  }

  @Post('orders/:marketplace/:orderId/requeue')
  @HttpCode(204)
  async requeue(@Param('marketplace') marketplace: string, @Param('orderId') orderId: string) {
    if (!(await this.ops.requeueOrder(marketplace, orderId)))
      throw new NotFoundException({
        code: 'ORDER_NOT_FAILED',
        message: `order ${marketplace}:${orderId} is not failed`,
      });
  }
}
