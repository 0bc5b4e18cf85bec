/**
 * The app's Content-Security-Policy, shared by the web server's header, Electron's header and (in
 * development) the renderer's meta tag. Nothing inline, nothing remote.
 *
 * Development only (electron-vite dev, `ELECTRON_RENDERER_URL` set): Vite injects component styles
 * as inline <style> elements and talks to its dev server over a websocket, which the strict policy
 * blocks, leaving the dev app unstyled. developmentPolicy() allows exactly those two things; scripts
 * stay 'self' only, and production builds never use it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A policy (the header's or the meta tag's) with Vite's dev-server needs added. */
export function developmentPolicy(policy: string): string {
  return policy
    .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    .replace("connect-src 'self'", "connect-src 'self' ws://localhost:* ws://127.0.0.1:*");
}
