import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { fitsGeminiSchema } from './fits-gemini-schema.js';
import type { GeminiFunctionDeclaration, GeminiTool, GeminiToolConfig } from './gemini-api-types.js';
import type { ChatTool, ToolChoice } from './openai-chat-request.js';

/**
 * OpenAI function tools as one Gemini tool holding every function declaration. `strict` has no
 * Gemini equivalent and is dropped.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/Tool#FunctionDeclaration
 */
export function openAIToolsToGemini(tools: readonly ChatTool[] | undefined): GeminiTool[] | null {
  if (!tools || tools.length === 0) return null;
  return [{ functionDeclarations: tools.map(functionDeclaration) }];
}

function functionDeclaration(tool: ChatTool): GeminiFunctionDeclaration {
  const declaration: GeminiFunctionDeclaration = { name: tool.name };
  if (tool.description !== undefined) declaration.description = tool.description;
  const parameters = tool.parameters;
  // Vertex refuses an OBJECT schema without properties; a function without arguments has none.
  if (parameters && !isArgumentless(parameters)) {
    if (fitsGeminiSchema(parameters)) declaration.parameters = parameters;
    else declaration.parametersJsonSchema = parameters;
  }
  return declaration;
}

function isArgumentless(schema: JsonRecord): boolean {
  const properties = schema.properties;
  return schema.type === 'object' && (properties === undefined || (isRecord(properties) && Object.keys(properties).length === 0));
}

/**
 * `tool_choice` as Gemini's function calling mode: `required` is ANY, and a named function is ANY
 * restricted to that one name.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/ToolConfig
 */
export function openAIToolChoiceToGemini(choice: ToolChoice | undefined): GeminiToolConfig | undefined {
  switch (choice?.type) {
    case undefined:
      return undefined;
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'function':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  }
}
