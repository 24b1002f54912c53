#!/usr/bin/env bash
# Regenerates extproc/generated (TypeScript types for Envoy's ext_proc protos) from the
# protos pinned inside @grpc/grpc-js-xds, with the overlay in extproc/proto (newer ext_proc
# fields that snapshot lacks) taking precedence. The output is committed; never edit it by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
D=node_modules/@grpc/grpc-js-xds/deps
rm -rf extproc/generated
npx proto-loader-gen-types --keepCase --longs=String --enums=String --oneofs --grpcLib=@grpc/grpc-js \
  --outDir=extproc/generated --includeDirs extproc/proto $D/envoy-api $D/xds $D/googleapis $D/protoc-gen-validate \
  -- envoy/service/ext_proc/v3/external_processor.proto
# The generator writes extension-less relative imports; NodeNext resolution needs `.js`.
find extproc/generated -name '*.ts' -exec sed -i -E "s#(from '\.[^']*)';#\1.js';#" {} +
