/** Vite's ambient types for the client: CSS imports, import.meta.env. */
/// <reference types="vite/client" />
