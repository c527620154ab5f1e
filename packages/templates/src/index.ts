// @flotilla/templates: one-click installs kept in the repository (templates/*.yaml), resolved into
// the apps and databases to create. No I/O but reading the template files once at start.
export {
  type CatalogOptions,
  loadTemplates,
  type ResolveOptions,
  readTemplate,
  shippedTemplatesDirectory,
  type TemplateCatalog,
  TemplateError,
  type TemplateIssue,
} from './catalog.ts';
export { defaultPortRange, generate } from './generate.ts';
export * from './schemas.ts';
