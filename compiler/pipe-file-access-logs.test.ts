import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileConfig } from './compile-config.js';
import { pipeFileAccessLogs } from './pipe-file-access-logs.js';

const CONFIG = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: gw
  listeners:
    - name: http
      protocol: HTTP
      port: 8080
    - name: other
      protocol: HTTP
      port: 8081
  infrastructure:
    parametersRef:
      group: gateway.envoyproxy.io
      kind: EnvoyProxy
      name: logs
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata:
  name: logs
spec:
  telemetry:
    accessLog:
      settings:
        - sinks:
            - type: File
              file:
                path: /var/log/aigw/access.json
            - type: File
              file:
                path: /dev/stdout
          format:
            type: JSON
            json:
              auth: "%REQ(AUTHORIZATION)%"
        - sinks:
            - type: File
              file:
                path: logs/text.log
            - type: File
              file:
                path: /var/log/aigw/access.json
          format:
            type: Text
            text: "%REQ(:PATH)%"
`;

test('File sinks write to one pipe per file next to the ext_proc socket; stdout and stderr stay Envoy streams', () => {
  const compiled = compileConfig(CONFIG, { file: 'gw.yaml', env: {}, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem' });
  assert.deepEqual(compiled.accessLogPipes, [
    { pipe: '/run/aigw/access-log-829bd19c6d75.pipe', file: '/var/log/aigw/access.json' },
    { pipe: '/run/aigw/access-log-b83723aca38d.pipe', file: 'logs/text.log' },
  ]);
  const text = JSON.stringify(compiled.bootstrap);
  assert.doesNotMatch(text, /access\.json|text\.log/, 'Envoy never writes the files itself');
  assert.equal(text.match(/"path":"\/run\/aigw\/access-log-829bd19c6d75\.pipe"/g)?.length, 4, 'two settings × two listeners');
  assert.match(text, /envoy\.access_loggers\.stdout/);
  // The model the rest of aigw sees keeps the configured paths.
  assert.equal(compiled.model.listeners[0]?.accessLogs[0]?.sinks[0]?.kind === 'file' && compiled.model.listeners[0].accessLogs[0].sinks[0].path, '/var/log/aigw/access.json');
});

test('the pipe directory can be given (aigw run: the run directory), and a config without File sinks has no pipes', () => {
  const compiled = compileConfig(CONFIG, { file: 'gw.yaml', env: {}, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem', accessLogPipeDir: '/tmp/run-1' });
  assert.deepEqual(compiled.accessLogPipes.map((pipe) => pipe.pipe), ['/tmp/run-1/access-log-829bd19c6d75.pipe', '/tmp/run-1/access-log-b83723aca38d.pipe']);
  const none = pipeFileAccessLogs({ ...compiled.model, listeners: [] }, '/x');
  assert.deepEqual(none.pipes, []);
});
