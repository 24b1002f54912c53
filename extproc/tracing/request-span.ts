/**
 * One request's OpenInference span: started when the router has the request body, fed the
 * client-visible (OpenAI-shaped) response as it passes, ended at end of stream or on an error.
 * Which attributes an endpoint records comes from one typed table, not from branches in the
 * request path.
 */
import type { Span, SpanStatusCode } from '@opentelemetry/api';
import type { EndpointName } from '../endpoints.js';
import type { SchemaName } from '../filter-config.js';
import { isRecord } from '../json-guards.js';
import { providerName } from '../metrics/genai-metrics.js';
import { chatInputMessageAttributes, chatOutputMessageAttributes, chatStreamOutputMessageAttributes, completionInputMessageAttributes, completionOutputMessageAttributes } from './gen-ai-messages.js';
import { GEN_AI, genAIErrorAttributes, genAIRequestAttributes, genAIResponseAttributes, genAISpanName, genAIStreamAttributes, type GenAIOperation } from './gen-ai-attributes.js';
import { SseLineReader } from '../sse/sse-line-reader.js';
import { chatErrorAttributes } from './chat-error-attributes.js';
import { chatRequestAttributes } from './chat-request-attributes.js';
import { chatResponseAttributes } from './chat-response-attributes.js';
import { chatStreamAttributes } from './chat-stream-attributes.js';
import { completionErrorAttributes, completionRequestAttributes, completionResponseAttributes, completionStreamAttributes } from './completion-attributes.js';
import { embeddingsErrorAttributes } from './embeddings-error-attributes.js';
import { embeddingsRequestAttributes } from './embeddings-request-attributes.js';
import { embeddingsResponseAttributes } from './embeddings-response-attributes.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { openInferenceSpanName, type OpenInferenceOperation } from './open-inference-span-name.js';
import type { RequestTracer, SemanticConvention } from './request-tracer.js';
import type { SpanAttributes, SpanOutcome } from './span-attributes.js';

// OpenTelemetry's SpanStatusCode values, as literals: this module is on every request's path and
// must not load the OpenTelemetry API when tracing is off (a type-only import costs nothing).
const STATUS_OK: SpanStatusCode.OK = 1;
const STATUS_ERROR: SpanStatusCode.ERROR = 2;

interface SpanRecorder {
  name(model: string): string;
  kind: 'INTERNAL' | 'CLIENT';
  request(body: unknown, raw: string, config: OpenInferenceConfig): SpanAttributes;
  /** Attributes learnt when the backend is chosen (GenAI: gen_ai.provider.name). */
  backend?(schema: SchemaName): SpanAttributes;
  response(body: unknown, raw: string, config: OpenInferenceConfig): SpanOutcome;
  /** For endpoints that stream: the outcome from the parsed `data:` events. */
  stream?(chunks: readonly unknown[], config: OpenInferenceConfig): SpanOutcome;
  error(status: number, body: string): SpanOutcome;
}

function openInference(operation: OpenInferenceOperation): Pick<SpanRecorder, 'name' | 'kind'> {
  return { name: () => openInferenceSpanName(operation), kind: 'INTERNAL' };
}

interface GenAIContent {
  input(body: unknown): SpanAttributes;
  output(body: unknown): SpanAttributes;
  stream(chunks: readonly unknown[]): SpanAttributes;
}

const GEN_AI_CONTENT: Partial<Record<GenAIOperation, GenAIContent>> = {
  chat: { input: chatInputMessageAttributes, output: chatOutputMessageAttributes, stream: chatStreamOutputMessageAttributes },
  // Completion chunks are whole responses: the last one carries the final text.
  text_completion: { input: completionInputMessageAttributes, output: completionOutputMessageAttributes, stream: (chunks) => completionOutputMessageAttributes(chunks[chunks.length - 1]) },
};

function withAttributes(outcome: SpanOutcome, extra: SpanAttributes): SpanOutcome {
  return extra.length === 0 ? outcome : { ...outcome, attributes: [...outcome.attributes, ...extra] };
}

/** The GenAI recorder of an operation; `capture` adds message content (opt-in). */
function genAI(operation: GenAIOperation, capture: boolean, streams: boolean): SpanRecorder {
  const content = capture ? GEN_AI_CONTENT[operation] : undefined;
  return {
    name: (model) => genAISpanName(operation, model),
    kind: 'CLIENT',
    request: (body) => [...genAIRequestAttributes(operation, body), ...(content?.input(body) ?? [])],
    backend: (schema) => [[GEN_AI.providerName, providerName(schema)]],
    response: (body) => withAttributes(genAIResponseAttributes(body), content?.output(body) ?? []),
    ...(streams ? { stream: (chunks: readonly unknown[]) => withAttributes(genAIStreamAttributes(chunks), content?.stream(chunks) ?? []) } : {}),
    error: (status, body) => genAIErrorAttributes(status, capture ? body : undefined),
  };
}

const OPENINFERENCE_RECORDERS: Partial<Record<EndpointName, SpanRecorder>> = {
  'chat-completions': {
    ...openInference('chatCompletion'),
    request: chatRequestAttributes,
    response: chatResponseAttributes,
    stream: chatStreamAttributes,
    error: chatErrorAttributes,
  },
  completions: {
    ...openInference('completion'),
    request: completionRequestAttributes,
    response: completionResponseAttributes,
    stream: completionStreamAttributes,
    error: completionErrorAttributes,
  },
  embeddings: {
    ...openInference('embeddings'),
    request: embeddingsRequestAttributes,
    response: embeddingsResponseAttributes,
    error: embeddingsErrorAttributes,
  },
};

function genAIRecorders(capture: boolean): Partial<Record<EndpointName, SpanRecorder>> {
  return {
    'chat-completions': genAI('chat', capture, true),
    completions: genAI('text_completion', capture, true),
    embeddings: genAI('embeddings', capture, false),
  };
}

const RECORDERS: Record<SemanticConvention | 'gen_ai_content', Partial<Record<EndpointName, SpanRecorder>>> = {
  openinference: OPENINFERENCE_RECORDERS,
  gen_ai: genAIRecorders(false),
  gen_ai_content: genAIRecorders(true),
};

export class RequestSpan {
  private readonly chunks: Buffer[] = [];
  private sse: SseLineReader | undefined;
  /** The stream went over a line or event limit: the span records what it had until then. */
  private sseBroken = false;
  private readonly events: unknown[] = [];
  private ended = false;

  private constructor(
    private readonly span: Span,
    private readonly recorder: SpanRecorder,
    private readonly config: OpenInferenceConfig,
    /** Header name/value pairs carrying this span to the upstream request. */
    readonly inject: readonly [string, string][],
  ) {}

  /** Undefined when the endpoint has no span recorder. */
  static start(
    tracer: RequestTracer,
    endpoint: EndpointName,
    headers: Partial<Record<string, string>>,
    body: unknown,
    raw: string,
    headerAttributes: SpanAttributes,
  ): RequestSpan | undefined {
    const table = tracer.semconv === 'gen_ai' && tracer.captureContent ? 'gen_ai_content' : tracer.semconv;
    const recorder = RECORDERS[table][endpoint];
    if (!recorder) return undefined;
    const attributes = [...recorder.request(body, raw, tracer.openInference), ...headerAttributes];
    const model = isRecord(body) && typeof body.model === 'string' ? body.model : '';
    const { span, inject } = tracer.start(recorder.name(model), recorder.kind, headers, attributes);
    return new RequestSpan(span, recorder, tracer.openInference, inject);
  }

  /** The backend the request goes to (called once it is chosen). */
  backend(schema: SchemaName): void {
    for (const [key, value] of this.recorder.backend?.(schema) ?? []) this.span.setAttribute(key, value);
  }

  /** One piece of the client-visible response body. */
  responseChunk(body: Buffer, streaming: boolean): void {
    if (!streaming || !this.recorder.stream) {
      this.chunks.push(body);
      return;
    }
    this.sse ??= new SseLineReader();
    this.collectFrom(() => this.sse?.push(body).data ?? []);
  }

  endSuccess(): void {
    if (this.sse) {
      const sse = this.sse;
      this.collectFrom(() => sse.end().data);
      this.finish(this.recorder.stream?.(this.events, this.config));
      return;
    }
    const raw = Buffer.concat(this.chunks).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // A 2xx that is not JSON: record what the span can say without the body.
      parsed = {};
    }
    this.finish(this.recorder.response(parsed, raw, this.config));
  }

  /** An upstream error or a gateway local reply, with the body the client receives. */
  endError(status: number, body: string): void {
    this.finish(this.recorder.error(status, body));
  }

  /** Collects the events `read` completes, unless the stream already broke a limit (then `read` may throw again). */
  private collectFrom(read: () => string[]): void {
    if (this.sseBroken) return;
    let payloads: string[];
    try {
      payloads = read();
    } catch {
      // Over a line or event limit: the exchange ends the client's stream with an error event.
      this.sseBroken = true;
      return;
    }
    for (const payload of payloads) {
      if (payload === '[DONE]') continue;
      try {
        this.events.push(JSON.parse(payload));
      } catch {
        // Not JSON (a comment or keep-alive): nothing to record.
      }
    }
  }

  private finish(outcome: SpanOutcome | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (outcome) {
      for (const [key, value] of outcome.attributes) this.span.setAttribute(key, value);
      for (const event of outcome.events) this.span.addEvent(event.name, Object.fromEntries(event.attributes));
      if (outcome.status.code !== 'UNSET') {
        this.span.setStatus({
          code: outcome.status.code === 'OK' ? STATUS_OK : STATUS_ERROR,
          ...(outcome.status.message !== undefined ? { message: outcome.status.message } : {}),
        });
      }
    }
    this.span.end();
  }
}
