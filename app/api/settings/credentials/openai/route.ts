import { route } from "@/lib/http/route";
import { deleteOpenAICredential, saveOpenAICredential } from "@/lib/settings/credentials";
import { openAICredentialBody } from "@/lib/settings/schemas";

// PUT /api/settings/credentials/openai – save or update the OpenAI key, base URL, organization, project
// (omitting apiKey keeps the stored key); answers with the masked view
export const PUT = route({ body: openAICredentialBody }, ({ body }) => saveOpenAICredential(body));

// DELETE /api/settings/credentials/openai – forget the stored credential (env defaults apply again)
export const DELETE = route({}, () => deleteOpenAICredential());
