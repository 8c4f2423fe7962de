// Cached by the service worker and shown when a page cannot be fetched.
export const prerender = true;
