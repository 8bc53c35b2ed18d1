# syntax=docker/dockerfile:1
# epp service image: API (`npm start`) and worker (`npm run worker`) from the same build.
# Build the GPU worker variant with:  docker build --build-arg GPU=1 -t epp:gpu .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Optional tfjs-node packages download libtensorflow at install time; skip them in the CPU image.
RUN npm ci --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
COPY workers workers
COPY bench bench
COPY data data
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:20-bookworm-slim AS runtime
ARG GPU=0
ENV NODE_ENV=production EPP_DATA_DIR=/data PORT=3000
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# GPU variant: the CUDA build of TensorFlow.js; its install script downloads libtensorflow (needs network
# at build time) and the container needs the NVIDIA runtime (see docker-compose.yml worker-gpu).
RUN if [ "$GPU" = "1" ]; then npm install --no-save --foreground-scripts @tensorflow/tfjs-node-gpu@^4.22.0; fi
# Shipped data (the default model) seeds a new data volume: Docker copies it in on first mount.
COPY --from=build --chown=node:node /app/data /data
USER node
VOLUME ["/data"]
EXPOSE 3000
CMD ["node", "dist/apps/api/main.js"]
