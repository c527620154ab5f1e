// An EventSource that can send an Authorization header. The browser's own EventSource cannot,
// and the alternative (the token in the URL) puts a secret into proxy and access logs. It follows
// the server-sent events spec where tRPC's subscription link relies on it: named events,
// `id`/`retry` fields, reconnecting with Last-Event-ID after a dropped stream, and a final
// CLOSED state (no retry) when the server refuses the request (401, 404, …).

export interface AuthorizedEventSourceInit {
  headers?: Record<string, string>;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

export class AuthorizedEventSource extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSED = CLOSED;
  readonly url: string;
  readonly withCredentials = false;
  readyState: number = CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  private readonly headers: Record<string, string>;
  private readonly abort = new AbortController();
  private lastEventId = '';
  private retryMs = 2_000;

  constructor(url: string | URL, init: AuthorizedEventSourceInit = {}) {
    super();
    this.url = String(url);
    this.headers = init.headers ?? {};
    void this.connect();
  }

  close(): void {
    this.readyState = CLOSED;
    this.abort.abort();
  }

  private emit(event: Event): void {
    this.dispatchEvent(event);
    if (event.type === 'open') this.onopen?.(event);
    if (event.type === 'error') this.onerror?.(event);
    if (event.type === 'message') this.onmessage?.(event as MessageEvent);
  }

  private async connect(): Promise<void> {
    while (this.readyState !== CLOSED) {
      let response: Response;
      try {
        response = await fetch(this.url, {
          headers: {
            accept: 'text/event-stream',
            ...this.headers,
            ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}),
          },
          cache: 'no-store',
          signal: this.abort.signal,
        });
      } catch {
        if (this.readyState === CLOSED) return;
        await this.reconnectLater();
        continue;
      }
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || !type.startsWith('text/event-stream') || !response.body) {
        // A refusal is final, as in the browser's EventSource.
        this.readyState = CLOSED;
        void response.body?.cancel();
        this.emit(new Event('error'));
        return;
      }
      this.readyState = OPEN;
      this.emit(new Event('open'));
      try {
        await this.read(response.body);
      } catch {
        // The stream broke (network, server restart): reconnect below.
      }
      if (this.readyState === CLOSED) return;
      await this.reconnectLater();
    }
  }

  private async reconnectLater(): Promise<void> {
    this.readyState = CONNECTING;
    this.emit(new Event('error'));
    await new Promise((resolve) => setTimeout(resolve, this.retryMs));
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let data: string[] = [];
    let eventType = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) {
            const event = new MessageEvent(eventType || 'message', {
              data: data.join('\n'),
              lastEventId: this.lastEventId,
              origin: new URL(this.url, window.location.href).origin,
            });
            this.emit(event);
          }
          data = [];
          eventType = '';
          if (this.readyState === CLOSED) return;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const raw = colon === -1 ? '' : line.slice(colon + 1);
        const text = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (field === 'data') data.push(text);
        else if (field === 'event') eventType = text;
        else if (field === 'id' && !text.includes('\0')) this.lastEventId = text;
        else if (field === 'retry' && /^\d+$/.test(text)) this.retryMs = Number(text);
      }
    }
  }
}
