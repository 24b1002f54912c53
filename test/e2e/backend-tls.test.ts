/**
 * A Backend reached over TLS (BackendTLSPolicy: SNI + system CAs): the gateway verifies the
 * provider's certificate against the trust store (SSL_CERT_FILE here: a CA made for the test)
 * and refuses a certificate issued for another name.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';

interface Seen {
  host: string | undefined;
  servername: string | undefined;
  authorization: string | undefined;
}

let server: Server;
let upstreamPort: number;
let caFile: string;
const seen: Seen[] = [];
const started: AigwProcess[] = [];

/** A CA and a server certificate for `localhost` signed by it, made with the openssl CLI. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=aigw test CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
  return { ca: join(dir, 'ca.pem'), key: join(dir, 'server.key'), cert: join(dir, 'server.pem') };
}

/** The standard test config with an fqdn Backend endpoint and a BackendTLSPolicy for it. */
function tlsConfig(listenerPort: number, validationHostname: string): string {
  const yaml = gatewayConfigYaml({ port: listenerPort, upstreamPort, models: ['gpt-4o-mini'] });
  const withFqdn = yaml.replace(/ip:\n(\s+)address: 127\.0\.0\.1/, 'fqdn:\n$1hostname: localhost');
  assert.notEqual(withFqdn, yaml, 'the Backend endpoint was rewritten to an fqdn');
  return `${withFqdn}
---
apiVersion: gateway.networking.k8s.io/v1alpha3
kind: BackendTLSPolicy
metadata:
  name: tls
  namespace: default
spec:
  targetRefs:
    - group: gateway.envoyproxy.io
      kind: Backend
      name: openai
  validation:
    wellKnownCACertificates: System
    hostname: ${validationHostname}
`;
}

async function chat(port: number): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
  });
}

before(async () => {
  const certificates = makeCertificates(mkdtempSync(join(tmpdir(), 'aigw-tls-')));
  caFile = certificates.ca;
  server = createServer({ key: readFileSync(certificates.key), cert: readFileSync(certificates.cert) }, (request, response) => {
    const socket = request.socket;
    const servername = 'servername' in socket && typeof socket.servername === 'string' ? socket.servername : undefined;
    seen.push({ host: request.headers.host, servername, authorization: request.headers.authorization });
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  upstreamPort = address.port;
});

after(async () => {
  for (const aigw of started) await aigw.stop();
  server?.close();
});

test('requests reach the provider over verified TLS, with SNI, Host and the API key', async () => {
  const port = await freePort();
  started.push(await startAigw({ configYaml: tlsConfig(port, 'localhost'), env: { SSL_CERT_FILE: caFile } }));
  const response = await chat(port);
  assert.equal(response.status, 200);
  const last = seen.at(-1);
  assert.equal(last?.servername, 'localhost');
  assert.match(last?.host ?? '', /^localhost(:\d+)?$/);
  assert.match(last?.authorization ?? '', /^Bearer /);
});

test('a certificate for another name is refused: 503 in the OpenAI error shape, nothing reaches the provider', async () => {
  const port = await freePort();
  started.push(await startAigw({ configYaml: tlsConfig(port, 'api.example.com'), env: { SSL_CERT_FILE: caFile } }));
  const before = seen.length;
  const response = await chat(port);
  assert.equal(response.status, 503);
  assert.match(await response.text(), /"code":"upstream_error"/);
  assert.equal(seen.length, before);
});
