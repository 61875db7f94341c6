# One image for both processes: `node dist/api/main.js` or `node dist/worker/main.js`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci applies patches/ to node_modules (patch-package, postinstall); prune keeps the result.
COPY patches ./patches
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
COPY worker ./worker
COPY shared ./shared
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# V8 grows its heap lazily when the machine has memory to spare: a worker whose live data is
# about 40 MB reached 250 MB RSS in a 100,000-row import. These caps keep API and worker near
# 130 MB at any file size for about 10% of import speed (README, "Memory"). Raise them if you
# raise IMPORT_CHUNK_SIZE or WORKER_CONCURRENCY a lot.
ENV NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=4"
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
