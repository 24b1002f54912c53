#!/usr/bin/env bash
# Regenerates extproc/generated (TypeScript types for Envoy's ext_proc protos) from the protos
# vendored in extproc/proto (see its README). The output is committed; never edit it by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf extproc/generated
npx proto-loader-gen-types --keepCase --longs=String --enums=String --oneofs --grpcLib=@grpc/grpc-js \
  --outDir=extproc/generated --includeDirs extproc/proto \
  -- envoy/service/ext_proc/v3/external_processor.proto
# The generator writes extension-less relative imports; NodeNext resolution needs `.js`.
find extproc/generated -name '*.ts' -exec sed -i -E "s#(from '\.[^']*)';#\1.js';#" {} +
