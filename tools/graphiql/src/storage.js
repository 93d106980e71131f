// GraphiQL keeps its editors, tabs and history in localStorage. Whatever a mutation carries
// (passwords, MFA and recovery codes, tokens) must never land there, nor request headers
// (Bearer tokens): this Storage passes everything else through to localStorage under GraphiQL's
// own "graphiql:" keys, and filters what it is asked to store.

const MUTATION = /\bmutation\b/;

/** True when a document may hold a mutation (a cheap, conservative test that also works while typing). */
export function mayMutate(query) {
  return typeof query === 'string' && MUTATION.test(query);
}

function withoutSecrets(key, value) {
  const name = key.replace(/^graphiql:/, '');
  if (name === 'variables' || name === 'headers') return null; // the tab state keeps query variables
  if (name === 'query') return mayMutate(value) ? null : value;
  if (name === 'tabState') return filterJson(value, tabState);
  if (name === 'queries' || name === 'favorites') return filterJson(value, (v) => history(name, v));
  return value;
}

function filterJson(value, filter) {
  try {
    return JSON.stringify(filter(JSON.parse(value)));
  } catch {
    return null; // not what we expect: store nothing rather than something unchecked
  }
}

function tabState(state) {
  const tabs = (state.tabs || []).map((tab) =>
    mayMutate(tab.query)
      ? { ...tab, query: '', variables: null, headers: null }
      : { ...tab, headers: null },
  );
  return { ...state, tabs };
}

function history(name, stored) {
  const items = (stored[name] || [])
    .filter((item) => !mayMutate(item.query))
    .map((item) => ({ ...item, headers: undefined }));
  return { [name]: items };
}

export function filteredStorage(backend = window.localStorage) {
  const ours = () => Object.keys(backend).filter((k) => k.startsWith('graphiql:'));
  return {
    getItem: (key) => backend.getItem(key),
    setItem(key, value) {
      const kept = withoutSecrets(key, value);
      if (kept === null) backend.removeItem(key);
      else backend.setItem(key, kept);
    },
    removeItem: (key) => backend.removeItem(key),
    clear: () => ours().forEach((k) => backend.removeItem(k)),
    get length() {
      return ours().length;
    },
  };
}
