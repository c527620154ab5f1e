import { templateSchema } from '@flotilla/templates/schemas';
import { z } from 'zod';
import { organizationId } from '../../schemas/common.ts';
import { templateId } from './schema.ts';

export const templateOneInput = z.object({
  templateId,
  /**
   * Whose default registry fills the `registry` variable's default when the instance has no
   * FLOTILLA_TEMPLATE_REGISTRY (default: the `X-Flotilla-Organization` header, else the
   * caller's only organization).
   */
  organizationId: organizationId.optional(),
});
/** The template with its variables, the built-in `registry` first: what the form asks for. */
export const templateOneOutput = templateSchema;

/** `GET /api/v1/templates/{id}`. */
export const templateOneRestInput = z
  .object({ id: templateId, organization_id: organizationId.optional() })
  .transform(({ id, organization_id }) => ({ templateId: id, organizationId: organization_id }));
