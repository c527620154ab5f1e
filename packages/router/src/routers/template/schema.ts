// The shapes template.* procedures share. Only zod here: the dashboard builds its instantiate
// form from a template's variables (the schemas are @flotilla/templates' own).
export {
  type Template,
  type TemplateSummary,
  type TemplateVariable,
  templateIdSchema as templateId,
  templateSchema,
  templateSummarySchema,
} from '@flotilla/templates/schemas';
