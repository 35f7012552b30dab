import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type Json = Record<string, unknown>;

/**
 * Generated schemas carry shapes that say nothing: `anyOf` of identical members (a [number, number]
 * tuple in OpenAPI 3.0, which has no prefixItems), a `oneOf` of one member (a union of one model so
 * far) and an `allOf` wrapping a single schema. They become the schema itself, as `redocly lint`
 * recommends.
 */
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (!node || typeof node !== 'object') return node;
  const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, simplify(v)]));
  for (const keyword of ['anyOf', 'oneOf']) {
    const members = out[keyword] as unknown[] | undefined;
    if (!members?.length || !members.every((m) => JSON.stringify(m) === JSON.stringify(members[0]))) continue;
    delete out[keyword];
    delete out.discriminator; // it needs the union it described
    Object.assign(out, members[0]);
  }
  const allOf = out.allOf as unknown[] | undefined;
  if (allOf?.length === 1 && Object.keys(out).length === 1) return allOf[0];
  return out;
}

/**
 * zod registers an input and an output variant of every named schema; keep only the component schemas
 * the paths use, directly or through other components.
 */
function dropUnusedSchemas(doc: Json): Json {
  const components = doc.components as { schemas?: Record<string, unknown> } | undefined;
  const schemas = components?.schemas;
  if (!schemas) return doc;
  const used = new Set<string>();
  const visit = (node: unknown) => {
    const text = JSON.stringify(node);
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (used.has(name)) continue;
      used.add(name);
      visit(schemas[name]);
    }
  };
  visit(doc.paths);
  components.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return doc;
}

/**
 * The OpenAPI document, generated from the same zod schemas the routes validate with, served at
 * /openapi.json, with the interactive docs at /docs. Register before the routes. Every operation names
 * an `operationId` (client generators name methods after it); the tests lint it with redocly's
 * recommended rules.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'vadfleet API',
        version,
        description: 'Voice-activity detection (FunASR FSMN-VAD) as a service: submit audio, poll the job, fetch the speech segments.',
      },
      // Relative: the API answers on whatever origin serves this document.
      servers: [{ url: '/', description: 'This API (the origin serving this document)' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS.' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => dropUnusedSchemas(simplify(jsonSchemaTransformObject(input)) as Json) as ReturnType<typeof jsonSchemaTransformObject>,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
