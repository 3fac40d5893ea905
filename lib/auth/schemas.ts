import { z } from "zod";

export const loginBody = z.object({ password: z.string().min(1, "Enter the password").max(1024) });
