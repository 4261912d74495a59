# Opsdeck container image. Two stages: `build` compiles TypeScript with the dev dependencies; the runtime stage
# installs production dependencies only and carries just dist/ and the example config. dist/ holds the product only
# (src/main.ts and its imports): the local workspace and its private redis-server launcher are not in the image, and
# without Slack credentials the image exits 1 naming SLACK_BOT_TOKEN rather than fake Slack.
#
#   docker build -t opsdeck .
#   docker run --env-file .env -e REDIS_URL=redis://redis:6379 -v "$PWD/ops.yml:/app/ops.yml:ro" -p 3000:3000 opsdeck
#
# docker-compose.yml runs it with Redis, as a `bot` and a `worker` role.

# Base images are build arguments so that a machine without registry access can supply its own
# (scripts/docker-base.sh builds both from Debian packages; CI does that). The runtime base needs only `node`.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG NODE_RUNTIME_IMAGE=${NODE_IMAGE}

# ---------------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Manifests first so the dependency layer is cached until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json tsconfig.production.json ./
COPY scripts ./scripts
COPY src ./src
# tsc -p tsconfig.production.json -> dist/ (src/main.ts and what it imports; test/unit/workspace/layer.test.ts)
RUN node scripts/build.mjs --production

# ---------------------------------------------------------------------------------------------------------------------
# Production dependencies in a stage of their own, so the shipped image needs no npm.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------------------------------
FROM ${NODE_RUNTIME_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production

COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY ops.example.yml ./ops.example.yml

# The app only reads /app; it runs as the unprivileged `node` user (uid 1000) that the official image provides.
USER node

EXPOSE 3000

# No curl/wget in slim images: Node's own fetch probes /healthz on the port the app listens on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

# Exec form: node is PID 1 and receives SIGTERM directly, so `docker stop` triggers Opsdeck's graceful shutdown.
# --max-semi-space-size=4 (MB): V8 lets the young generation grow to 16 MB a semi-space while the process starts (most
# of what module loading allocates survives a scavenge), and keeps both semi-spaces' pages for good: an idle bot was
# ~20 MB larger for it (issue #21: about 122 → 104 MB idle), for ~4% more CPU per ack. `npm start` passes the same
# flag (package.json), and the benches run Opsdeck with the flags of this line (bench/standalone.ts).
CMD ["node", "--max-semi-space-size=4", "dist/main.js"]
