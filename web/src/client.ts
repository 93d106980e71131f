import { persistedExchange } from '@urql/exchange-persisted';
import { cacheExchange, Client, fetchExchange, mapExchange } from 'urql';
import { isUnauthenticated } from './errors';

/**
 * The SHA-256 of a document's text, as Automatic Persisted Queries name it. Web Crypto exists only
 * in secure contexts (HTTPS, localhost); elsewhere no hash is sent and the text goes as it is,
 * which a server holding cookies to its manifest still accepts for the panel's own documents.
 */
async function sha256(text: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return '';
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * A client for this origin's /graphql with the browser's HttpOnly session cookie: no token is
 * ever held in JavaScript. A fresh client (empty cache) is made at every sign-in and sign-out.
 *
 * Every operation goes by hash (Automatic Persisted Queries): the server knows the panel's
 * documents from the build's dist/persisted-operations.json, whose hashes are of the text sent
 * here, after the cache exchange has added its __typename fields.
 */
export function makeClient(onUnauthenticated: () => void): Client {
  return new Client({
    url: '/graphql',
    preferGetMethod: false, // POST + JSON: the only way a cookie may authorize changes (CSRF rule)
    fetchOptions: { credentials: 'same-origin' },
    exchanges: [
      mapExchange({
        onResult(result) {
          if (isUnauthenticated(result.error?.graphQLErrors)) onUnauthenticated();
        },
      }),
      cacheExchange,
      persistedExchange({ enableForMutation: true, preferGetForPersistedQueries: false, generateHash: sha256 }),
      fetchExchange,
    ],
  });
}
