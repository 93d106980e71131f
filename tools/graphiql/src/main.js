// The GraphiQL page Tenantry serves at /graphql. Everything it needs comes from this bundle; its
// one setting (the endpoint) comes from a data attribute, so the page needs no inline script.
import './workers.js';
import 'graphiql/style.css';
import './page.css';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { filteredStorage } from './storage.js';

const root = document.getElementById('graphiql');
const endpoint = root.dataset.endpoint || '/graphql';

// The session cookie rides along (same origin only); a Bearer token goes in the headers editor.
async function fetcher(params, options = {}) {
  const response = await fetch(endpoint, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'content-type': 'application/json', ...(options.headers || {}) },
    body: JSON.stringify(params),
  });
  return response.json();
}

createRoot(root).render(
  createElement(GraphiQL, {
    fetcher,
    storage: filteredStorage(),
    shouldPersistHeaders: false,
    showPersistHeadersSettings: false,
    isHeadersEditorEnabled: true,
  }),
);
