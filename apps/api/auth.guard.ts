/**
 * API keys: `Authorization: Bearer <key>`; routes declare the least role they need with `@RequireRole`
 * (default `read`) or are `@Public()`. 401 without a valid key, 403 when the key's role is too low.
 */
import { Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../../libs/contracts/config.js';
import { EppError } from '../../libs/contracts/errors.js';
import { ApiKeyStore, roleAllows } from '../../libs/service/api-keys.js';
import type { Req } from './http.js';
import { KEY_STORE } from './tokens.js';

const ROLE_KEY = 'epp:role';
export const RequireRole = (role: Role) => SetMetadata(ROLE_KEY, role);
export const Public = () => SetMetadata(ROLE_KEY, 'public');

export class UnauthorizedError extends EppError {
  constructor(message: string) {
    super('UNAUTHORIZED', message);
  }
}
export class ForbiddenError extends EppError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** The key of an `Authorization: Bearer <key>` header, or null. */
export function bearerKey(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? null;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(KEY_STORE) private readonly keys: ApiKeyStore,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const need =
      this.reflector.getAllAndOverride<Role | 'public' | undefined>(ROLE_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'read';
    if (need === 'public') return true;
    const req = context.switchToHttp().getRequest<Req>();
    const key = bearerKey(req.headers.authorization);
    if (!key) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
    const role = this.keys.roleOf(key);
    if (!role) throw new UnauthorizedError('invalid API key');
    if (!roleAllows(role, need))
      throw new ForbiddenError(`this action needs the '${need}' role; the key has '${role}'`);
    return true;
  }
}
