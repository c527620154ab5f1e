// `/api/docs`: the OpenAPI document rendered as one self-contained HTML page (no scripts, no
// CDN), readable offline and behind strict firewalls.
import type { OpenApiDocument } from '@flotilla/router/openapi';

const html = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: unknown[];
  parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(' | ');
  return String(schema.type ?? 'any');
}

function renderOperation(path: string, method: string, op: Operation): string {
  const params = op.parameters.length
    ? `<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th></tr>${op.parameters
        .map(
          (p) =>
            `<tr><td><code>${html(p.name)}</code></td><td>${p.in}</td><td>${html(typeOf(p.schema))}</td><td>${p.required ? 'yes' : 'no'}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  // Uploads (app.build) take a file, not JSON: the first content type the operation names.
  const [bodyType, bodyContent] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
  const body = bodyContent
    ? `<details><summary>Request body (${html(bodyType ?? '')})</summary><pre>${html(JSON.stringify(bodyContent.schema, null, 2))}</pre></details>`
    : '';
  const responses = Object.entries(op.responses)
    .map(([status, response]) => {
      const schema = response.content?.['application/json']?.schema;
      const detail =
        schema && status.startsWith('2')
          ? `<details><summary>${status} ${html(response.description)}</summary><pre>${html(JSON.stringify(schema, null, 2))}</pre></details>`
          : `<div class="status"><b>${status}</b> ${html(response.description)}</div>`;
      return detail;
    })
    .join('');
  const lock = op.security ? '' : ' <span class="lock" title="Bearer token">🔒</span>';
  return `<section id="${html(op.operationId)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${html(path)}</code>${lock}</h3><p>${html(op.summary)}</p>${op.description ? `<p>${html(op.description)}</p>` : ''}${params}${body}${responses}</section>`;
}

export function renderDocs(document: OpenApiDocument): string {
  const groups = new Map<string, string[]>();
  const toc = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods as Record<string, Operation>)) {
      const tag = op.tags[0] ?? 'other';
      groups.set(tag, [...(groups.get(tag) ?? []), renderOperation(path, method, op)]);
      toc.set(tag, [
        ...(toc.get(tag) ?? []),
        `<a href="#${html(op.operationId)}">${html(op.operationId)}</a>`,
      ]);
    }
  }
  const nav = [...toc].map(([tag, links]) => `<h4>${html(tag)}</h4>${links.join('')}`).join('');
  const main = [...groups].map(([tag, ops]) => `<h2>${html(tag)}</h2>${ops.join('')}`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${html(document.info.title)} ${html(document.info.version)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1b1f24}
nav{width:230px;padding:16px;border-right:1px solid #ddd;height:100vh;overflow:auto;position:sticky;top:0;box-sizing:border-box}
nav a{display:block;color:#0b5cad;text-decoration:none;font-size:13px}nav h4{margin:12px 0 4px}
main{flex:1;padding:16px 32px;max-width:980px}section{border-top:1px solid #eee;padding:8px 0}
.m{display:inline-block;min-width:58px;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px}
.get{background:#1f7a3a}.post{background:#0b5cad}.patch{background:#8a5a00}.delete{background:#b42318}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px;text-align:left}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}.status{font-size:13px}
</style></head><body><nav><b>${html(document.info.title)}</b>${nav}<p><a href="/api/openapi.json">openapi.json</a></p></nav>
<main><h1>${html(document.info.title)} <small>${html(document.info.version)}</small></h1><p>${html(document.info.description)}</p>
<p>Errors: <code>{"error":{"code":"BAD_REQUEST","message":"…","issues":[{"path":"nodes.0.count","message":"…"}]}}</code></p>${main}</main></body></html>`;
}
