import { cacheExchange, Client, fetchExchange, mapExchange } from 'urql';
import { isUnauthenticated } from './errors';

/**
 * A client for this origin's /graphql with the browser's HttpOnly session cookie: no token is
 * ever held in JavaScript. A fresh client (empty cache) is made at every sign-in and sign-out.
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
      fetchExchange,
    ],
  });
}
