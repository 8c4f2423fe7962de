// A light page for cheap phones: server-rendered HTML, no script (it reloads itself every 60 s).
export const csr = false;
