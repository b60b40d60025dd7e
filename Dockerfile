# syntax=docker/dockerfile:1
# pier for amd64 and arm64 (64-bit Raspberry Pi OS):
#   docker buildx build --platform linux/amd64,linux/arm64 -t pier .
# 32-bit Raspberry Pi OS (armhf) uses Dockerfile.armhf. Offline, without a
# registry, scripts/image.sh builds the same layout with `docker import`.

# Compile once on the build machine's own CPU: dist/ is plain JavaScript.
FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p .

# Production dependencies only. No install scripts: nothing is compiled, the
# uWebSockets.js package ships prebuilt binaries for every target.
FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS deps
ARG TARGETARCH
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/image-prune.sh /usr/local/bin/
RUN npm ci --omit=dev --ignore-scripts \
 && image-prune.sh node_modules "$(case "$TARGETARCH" in amd64) echo x64;; *) echo "$TARGETARCH";; esac)"

FROM node:20-bookworm-slim
COPY --from=deps /src/node_modules /app/node_modules
COPY --from=build /src/dist /app/dist
COPY package.json /app/
# --- runtime settings: scripts/image-build.sh applies these same lines to the offline image ---
LABEL org.opencontainers.image.title="pier" \
      org.opencontainers.image.description="Docker-aware HTTP ingress for small clusters: Traefik labels, flags and dynamic config" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
# glibc gives each thread that allocates an arena of its own (up to 8 per
# core) and keeps what they free; two arenas hold pier's idle RSS about 1 MB
# lower at no measured CPU cost per request (README, Memory). glibc reads it
# when the process starts: it cannot be set from inside pier.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
# Root, as in Traefik's image: the Docker socket is root:docker 0660. To run
# unprivileged, set `user: "1000:<docker group id>"` in compose.
USER root
EXPOSE 80 8080
# `pier healthcheck` asks /ping on the traefik entrypoint, placed as the
# TRAEFIK_* environment and static file place it (not the `command:` flags):
# run pier with --ping. Every check starts a Node process, not cheap on a
# small board: hence 30 s apart.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["node", "/app/dist/cli.js", "healthcheck", "--ping"]
# Flags go in `command:` exactly as with Traefik's image.
ENTRYPOINT ["node", "/app/dist/cli.js"]
