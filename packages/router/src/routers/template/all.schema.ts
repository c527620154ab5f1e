import { templateSummarySchema } from '@flotilla/templates/schemas';
import { z } from 'zod';

export const templateAllOutput = z.array(templateSummarySchema);
