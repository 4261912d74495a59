# Opsdeck container image. Two stages: `build` compiles TypeScript with the dev dependencies; the runtime stage
# installs production dependencies only and carries just dist/ and the example config. dist/ holds the product only
# (src/main.ts and its imports): the local workspace and its private redis-server launcher are not in the image, and
# without Slack credentials the image exits 1 naming SLACK_BOT_TOKEN rather than fake Slack.
#
#   docker build -t opsdeck .
#   docker run --env-file .env -e REDIS_URL=redis://redis:6379 -v "$PWD/ops.yml:/app/ops.yml:ro" -p 3000:3000 opsdeck
#
# docker-compose.yml runs it with Redis, as a `bot` and a `worker` role.

ARG NODE_IMAGE=node:20-bookworm-slim

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
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY ops.example.yml ./ops.example.yml

# The app only reads /app; it runs as the unprivileged `node` user (uid 1000) that the official image provides.
USER node

EXPOSE 3000

# No curl/wget in slim images: Node's own fetch probes /healthz on the port the app listens on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

# Exec form: node is PID 1 and receives SIGTERM directly, so `docker stop` triggers Opsdeck's graceful shutdown.
CMD ["node", "dist/main.js"]
