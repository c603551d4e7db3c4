import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/client.js';
import { App } from './app.js';
import { browserStorage, createTokenStore, TOKEN_STORAGE_KEY } from './storage.js';
import './styles.css';
import './miniapps/miniapps.css';

const tokens = createTokenStore(browserStorage());

// Another tab logged in or out.
window.addEventListener('storage', (event) => {
  if (event.key === TOKEN_STORAGE_KEY || event.key === null) tokens.reload();
});

const api = new ApiClient({
  fetch: (input, init) => window.fetch(input, init),
  getToken: tokens.get,
  onUnauthenticated: tokens.expire,
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App api={api} tokens={tokens} />
  </StrictMode>,
);
