#!/bin/sh
# Container health check for the hub and the adapters (the runtime image has curl, nothing gRPC-aware):
#   healthcheck grpc PORT        the gRPC health service answers SERVING (hub: store migrated, bus started,
#                                agency queues declared); over TLS, trusting only the partnership CA in /certs
#                                (health is the one call the hub answers without a client certificate)
#   healthcheck http PORT PATH   an HTTP endpoint answers 2xx (adapters: /health)
set -eu
case "${1:-}" in
  grpc)
    # An empty HealthCheckRequest in gRPC framing (no compression flag, length 0); SERVING is the frame 00000000 02 0801.
    printf '\000\000\000\000\000' \
      | curl -fsS --max-time 5 --http2 --cacert /certs/ca.crt -X POST -H 'content-type: application/grpc' -H 'te: trailers' \
          --data-binary @- "https://127.0.0.1:$2/grpc.health.v1.Health/Check" \
      | od -An -tx1 | tr -d ' \n' | grep -qx '00000000020801' ;;
  http)
    curl -fsS --max-time 5 -o /dev/null "http://127.0.0.1:$2$3" ;;
  *)
    echo "usage: healthcheck grpc PORT | healthcheck http PORT PATH" >&2; exit 2 ;;
esac
