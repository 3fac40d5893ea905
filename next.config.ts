import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native or WASM parts are loaded by Node at run time, not bundled.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "bullmq", "ioredis", "openai"],
  poweredByHeader: false,
  typedRoutes: false,
  // `npm test` sets this when its typecheck tier (tsc over the whole tree, these files included) is part of the run,
  // so its background build does not check the same types again (12 s of a 60 s build). Every other build checks.
  typescript: { ignoreBuildErrors: process.env.TUNEFORGE_BUILD_TYPECHECKED === "1" },
};

export default nextConfig;
