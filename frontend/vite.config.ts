/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const server = process.env.FRONTEND_SERVER_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  root: "web",
  plugins: [react()],
  // No source maps in the built app: they would publish the sources (the server refuses *.map anyway).
  build: { outDir: "../dist/web", emptyOutDir: true, sourcemap: false },
  // `npm run dev`: Vite serves the app, the Node server answers /api.
  server: { port: 5173, proxy: { "/api": { target: server, changeOrigin: false } } },
  test: {
    root: ".",
    include: ["web/src/**/*.test.{ts,tsx}", "server/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
  },
});
