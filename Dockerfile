# Logwarden's container image (docs/deploy.md).
#
#   docker build -t logwarden .
#
# The base image is a build argument so that a machine without a registry can hand in a
# locally made one (scripts/build-image.sh); the default is the official image.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- deps: production and build dependencies, with the two native addons (better-sqlite3,
# re2) compiled when no prebuilt binary can be downloaded. Only the manifests are copied,
# so the layer is reused until package-lock.json changes.
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Headers from the image itself (/usr/local/include/node): node-gyp downloads nothing.
ENV npm_config_nodedir=/usr/local npm_config_update_notifier=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- build: the server (dist/) and the UI (dist/web), then the production tree alone in /app.
FROM deps AS build
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/*/build/Release/obj.target node_modules/*/build/Release/.deps \
      node_modules/*/build/deps node_modules/*/build/Release/test_extension.node \
      node_modules/re2/vendor node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
 && chmod +x dist/main.js \
 && mkdir /app && cp -a package.json dist node_modules /app/

# --- runtime: Node, the compiled server, its production modules and the UI; nothing else.
# What does not change between builds comes first, so that it stays cached (with the
# vfs storage driver every step is a full copy of the file system).
FROM ${NODE_IMAGE}
# A fixed, unprivileged identity (10001:10001) that owns /data, the one writable path.
# Reading the Docker socket is granted through the socket's group (`--group-add`), never
# by running as root. `logwarden` is on PATH for `docker exec … logwarden users add`.
RUN groupadd --gid 10001 logwarden \
 && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin logwarden \
 && mkdir -m 0700 /data && chown 10001:10001 /data \
 && mkdir /app && ln -s /app/dist/main.js /usr/local/bin/logwarden
WORKDIR /app
# SQLite's temporary files (statement journals of multi-row inserts, VACUUM) go to the
# volume: with --read-only there is no writable /tmp, and a write that needs one fails.
ENV NODE_ENV=production \
    LOGWARDEN_LISTEN=0.0.0.0:8080 \
    LOGWARDEN_DATA_DIR=/data \
    SQLITE_TMPDIR=/data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/dist/main.js", "healthcheck"]
# Node is PID 1 and handles SIGTERM (the default stop signal) itself: a graceful stop
# well inside Docker's 10 s.
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["serve"]
# Owned by root: the server cannot change its own code.
COPY --from=build /app /app
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
# Where the source lives; the repository records no public URL yet, so it is handed in
# (scripts/build-image.sh passes `git remote get-url origin` when there is one).
ARG SOURCE_URL=
LABEL org.opencontainers.image.title="Logwarden" \
      org.opencontainers.image.description="Watches Docker hosts: follows container logs, matches RE2 rules, records and notifies trouble." \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
