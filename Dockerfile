# syntax=docker/dockerfile:1
# epp service image: API (`npm start`) and worker (`npm run worker`) from the same build.
#   docker build -t epp .                                       # CPU image (wasm backend), the last stage
#   docker build --target runtime-gpu --build-arg GPU=1 -t epp:gpu .   # GPU worker (tfjs-node-gpu, CUDA)
FROM node:20-bookworm-slim AS node

FROM node AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Optional tfjs-node packages download libtensorflow at install time; skip them in the CPU image.
RUN npm ci --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
COPY workers workers
COPY bench bench
COPY scripts scripts
COPY data data
RUN npm run build && npm prune --omit=dev --omit=optional

# GPU worker: tfjs-node-gpu 4.22 loads libtensorflow 2.9.1, built against CUDA 11.2 and cuDNN 8.1, so the
# runtime is NVIDIA's CUDA 11.2 image with Node copied in (the container toolkit injects only the driver).
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS runtime-gpu
ARG GPU=1
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 node
ENV NODE_ENV=production EPP_DATA_DIR=/data EPP_TF_BACKEND=tensorflow
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# The shipped models, read-only inside the install: found whatever EPP_DATA_DIR is (version `bundled`).
COPY --from=build /app/data/models data/models
# The CUDA build of TensorFlow.js; its install script downloads libtensorflow (network needed at build time).
RUN if [ "$GPU" = "1" ]; then npm install --no-save --foreground-scripts @tensorflow/tfjs-node-gpu@4.22.0; fi
COPY --from=build --chown=node:node /app/data /data
USER node
VOLUME ["/data"]
CMD ["node", "dist/workers/postprocess/main.js"]

FROM node AS runtime
ENV NODE_ENV=production EPP_DATA_DIR=/data PORT=3000
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# The shipped models, read-only inside the install: found whatever EPP_DATA_DIR is (version `bundled`).
COPY --from=build /app/data/models data/models
# Shipped data (the default model) seeds a new data volume: Docker copies it in on first mount.
COPY --from=build --chown=node:node /app/data /data
USER node
VOLUME ["/data"]
EXPOSE 3000
CMD ["node", "dist/apps/api/main.js"]
