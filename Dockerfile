# syntax=docker/dockerfile:1
# Two images from one build: the gateway (the default, last stage) and the Zoom simulator
# (`--target simulator`), which the gateway's image never contains.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/zoom-routes/package.json packages/zoom-routes/
COPY packages/zoom-simulator/package.json packages/zoom-simulator/
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

# The Zoom stand-in, for docker-compose and demos: its own image, nothing of the gateway in it.
FROM node:24-bookworm-slim AS simulator
WORKDIR /app
COPY --from=build /app/packages/zoom-routes/package.json packages/zoom-routes/
COPY --from=build /app/packages/zoom-routes/dist packages/zoom-routes/dist
COPY --from=build /app/packages/zoom-simulator/package.json packages/zoom-simulator/
COPY --from=build /app/packages/zoom-simulator/dist packages/zoom-simulator/dist
COPY --from=build /app/node_modules/@zoom-gateway/zoom-routes node_modules/@zoom-gateway/zoom-routes
USER node
ENV ZOOM_SIMULATOR_HOST=0.0.0.0 ZOOM_SIMULATOR_PORT=9090
EXPOSE 9090
CMD ["node", "packages/zoom-simulator/dist/standalone.js"]

# The gateway. Without ZOOM_* credentials it stops (NODE_ENV=production) instead of starting a
# simulator, which is not in this image.
FROM node:24-bookworm-slim AS gateway
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/packages/zoom-routes/package.json packages/zoom-routes/
COPY --from=build /app/packages/zoom-routes/dist packages/zoom-routes/dist
COPY package.json ./
RUN mkdir -p data && chown node:node data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
