// Just enough XML for EC2's query protocol responses: objects become elements, arrays become
// `<item>` lists (as EC2 writes its `…Set` members), undefined members are left out.
const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function toXml(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value))
    return `<${name}>${value.map((item) => toXml('item', item)).join('')}</${name}>`;
  if (value !== null && typeof value === 'object') {
    const children = Object.entries(value)
      .map(([key, child]) => toXml(key, child))
      .join('');
    return `<${name}>${children}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value ?? ''))}</${name}>`;
}

export function ec2Response(
  action: string,
  requestId: string,
  body: Record<string, unknown>,
): string {
  const inner = Object.entries({ requestId, ...body })
    .map(([key, child]) => toXml(key, child))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">${inner}</${action}Response>`;
}

export function ec2Error(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}
