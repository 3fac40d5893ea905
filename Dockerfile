# tuneforge image for docker-compose.yml: web (`--only web`, the default command) and workers
# (`--only workers`). Postgres and Redis are separate services.
FROM node:20-bookworm-slim

ENV NEXT_TELEMETRY_DISABLED=1 \
    CHECKPOINT_DISABLE=1
WORKDIR /app
# The data volume is initialised from this directory, so it must already belong to the runtime user.
RUN mkdir -p /data /models && chown node:node /app /data /models
USER node

# Dependencies and the Prisma client first: this layer is reused until the lock file or the schema changes.
# ensure-deps.sh runs `npm ci` + `prisma generate` and writes the stamps that let `npm start` skip both.
COPY --chown=node:node package.json package-lock.json prisma.config.ts ./
COPY --chown=node:node prisma ./prisma
COPY --chown=node:node lib/db/pg-pool.ts ./lib/db/pg-pool.ts
COPY --chown=node:node scripts/ensure-deps.sh ./scripts/ensure-deps.sh
RUN bash scripts/ensure-deps.sh

# The production build, stamped so the container's start finds it up to date.
COPY --chown=node:node . .
RUN node --import tsx scripts/start.ts --build-only

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    TUNEFORGE_DATA_DIR=/data \
    TUNEFORGE_MODELS_DIR=/models
EXPOSE 3000
CMD ["bash", "scripts/start.sh", "--only", "web"]
