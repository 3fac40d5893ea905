import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import { env } from "../env";
import { createPgPool } from "./pg-pool";

// One PrismaClient per process. In development Next reloads modules, so the instance lives on
// globalThis to avoid opening a new pool on every reload.
const globalForPrisma = globalThis as unknown as { tuneforgePrisma?: PrismaClient };

export function createPrismaClient(databaseUrl: string = env().DATABASE_URL): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(createPgPool(databaseUrl)) });
}

export function prisma(): PrismaClient {
  globalForPrisma.tuneforgePrisma ??= createPrismaClient();
  return globalForPrisma.tuneforgePrisma;
}

export async function disconnectPrisma(): Promise<void> {
  await globalForPrisma.tuneforgePrisma?.$disconnect();
  globalForPrisma.tuneforgePrisma = undefined;
}
