import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** Gateway API BackendTLSPolicy: TLS (SNI, trust) towards a Backend. */
export interface BackendTLSPolicySpec {
  targetRefs: ObjectReference[];
  hostname: string;
  systemCAs: boolean;
}

export function readBackendTLSPolicySpec(spec: FieldReader): BackendTLSPolicySpec {
  const targetRefs = spec.objects('targetRefs').map(readReference);
  const validation = spec.requiredObject('validation');
  let hostname = '';
  let systemCAs = false;
  if (validation) {
    hostname = validation.requiredString('hostname');
    const wellKnown = validation.string('wellKnownCACertificates');
    if (wellKnown !== undefined) {
      if (wellKnown === 'System') systemCAs = true;
      else validation.error('wellKnownCACertificates', `Unsupported value: ${JSON.stringify(wellKnown)}: supported values: "System"`);
    }
    if (validation.has('caCertificateRefs')) {
      validation.unsupported('caCertificateRefs', 'custom CA certificates are not supported by aigw run yet', 'use wellKnownCACertificates: System');
    } else if (!systemCAs) {
      validation.error(undefined, 'Required value: wellKnownCACertificates must be set');
    }
    validation.ignore('subjectAltNames', 'ignored by aigw run: the certificate is checked against the hostname');
    validation.done();
  }
  spec.ignore('options');
  spec.done();
  return { targetRefs, hostname, systemCAs };
}
