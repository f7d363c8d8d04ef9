# One image per service: docker build --build-arg SERVICE=tenant-service .
ARG NODE_IMAGE=node:20-bookworm-slim

# Builds all three services. SERVICE is not declared in this stage on purpose, so the three
# images share one cached build stage instead of compiling three times.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies only, installed clean rather than pruned, so no dev tooling leaks in.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
RUN test -n "${SERVICE}" || (echo "build with --build-arg SERVICE=<service>" >&2 && exit 1)
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app
# Files stay owned by root: the service runs as `node` and cannot modify its own code.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/apps/${SERVICE} ./dist/apps/${SERVICE}
USER node
# The Nest CLI (tsc builder) keeps the source tree layout under dist/apps/<service>/.
# `exec` makes node PID 1, so SIGTERM from `docker stop` reaches Nest's shutdown hooks.
# The V8 flag is SERVICE_NODE_FLAGS (libs/testing/src/service-process.ts): keep them the same.
CMD ["sh", "-c", "exec node --max-semi-space-size=8 --max-old-space-size=192 dist/apps/${SERVICE}/apps/${SERVICE}/src/main.js"]
