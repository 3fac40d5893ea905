import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native or WASM parts are loaded by Node at run time, not bundled.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "bullmq", "ioredis", "openai"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
