/**
 * YAML documents for one more OpenAI-compatible backend (AIServiceBackend + Backend on
 * 127.0.0.1:<port>), to append to `gatewayConfigYaml` output in tests with several backends.
 */
export function extraBackendYaml(name: string, port: number, schema: { name?: string; prefix?: string; version?: string } = {}): string {
  const schemaLines = [`    name: ${schema.name ?? 'OpenAI'}`, ...(schema.prefix ? [`    prefix: ${schema.prefix}`] : []), ...(schema.version ? [`    version: ${schema.version}`] : [])];
  return `---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: ${name}
  namespace: default
spec:
  schema:
${schemaLines.join('\n')}
  backendRef:
    name: ${name}
    kind: Backend
    group: gateway.envoyproxy.io
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: ${name}
  namespace: default
spec:
  endpoints:
    - ip:
        address: 127.0.0.1
        port: ${port}
`;
}
