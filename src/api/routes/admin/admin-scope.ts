import type { Principal } from '../../../builds/principal.js';
import { LbeError } from '../../../errors/index.js';
import { isOperator } from '../../plugins/authorize.js';

/**
 * The organization an admin request acts on: the caller's own unless ADMIN_API_KEY names another.
 * Anyone else naming another organization gets 404 (another tenant's objects are not found, not forbidden).
 */
export function targetOrganization(principal: Principal, requested: string | undefined): string {
  if (requested === undefined || requested === principal.tenantId) return principal.tenantId;
  if (isOperator(principal)) return requested;
  throw new LbeError('LBE_ORG_NOT_FOUND');
}
