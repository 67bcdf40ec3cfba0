/// <reference types="vite/client" />
declare module 'virtual:losskit-api' {
  import type { ApiData } from './api.ts';
  const api: ApiData;
  export default api;
}
