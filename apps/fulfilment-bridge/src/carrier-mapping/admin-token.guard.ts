import { timingSafeEqual } from 'node:crypto';
import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { FulfilmentBridgeConfig } from '../config/fulfilment-bridge.config';

/** The admin API needs `Authorization: Bearer <ADMIN_TOKEN>`; the token is compared in constant time, never logged. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token: Buffer;

  constructor(config: FulfilmentBridgeConfig) {
    this.token = Buffer.from(config.ADMIN_TOKEN);
  }

  canActivate(ctx: ExecutionContext): boolean {
    const header = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>()
      .headers.authorization;
    const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token))
      throw new UnauthorizedException({
        code: 'ADMIN_TOKEN_REQUIRED',
        message: 'Authorization: Bearer <admin token> is required',
      });
    return true;
  }
}
