# syntax=docker/dockerfile:1
# ticketbot's image: built by scripts/release (static, trimmed, version-stamped), run from
# distroless as uid 65532 with CA certificates and tzdata (the binary embeds tzdata too).
#
#   docker build -t ticketbot --build-arg VERSION=v1.2.3 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ticketbot .
#   docker run -v $PWD/config.toml:/etc/ticketbot/config.toml:ro -v ticketbot-data:/data -p 8080:8080 ticketbot

# The builder runs on the build machine's own platform and cross-compiles: the binary is pure
# Go, so no emulation is needed for another architecture.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# BuildKit sets TARGETOS and TARGETARCH to the platform being built (--platform); the
# defaults are for a builder that does not. VERSION empty means "dev": .git is not sent to
# the builder (.dockerignore), so git describe has nothing to describe.
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    scripts/release -o /out "$TARGETOS/$TARGETARCH" \
    && cp /out/ticketbot_*_"$TARGETOS"_"$TARGETARCH" /ticketbot
# /data must exist in the image owned by nonroot, or a new volume mounted there is root's.
RUN mkdir /data && chown 65532:65532 /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /ticketbot /ticketbot
COPY --from=build --chown=65532:65532 /data /data
WORKDIR /data
VOLUME /data
# 8080: [server] listen, the webhooks. 9090: [server] admin_listen (/healthz, /readyz,
# /metrics); keep it off the internet.
EXPOSE 8080 9090
USER nonroot:nonroot
# GETs http://127.0.0.1:9090/healthz (admin_listen's default) without curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/ticketbot", "health"]
ENTRYPOINT ["/ticketbot"]
CMD ["serve", "-config", "/etc/ticketbot/config.toml"]
