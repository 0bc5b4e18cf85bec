/** Vite's ?raw imports: a file's text as the default export. */
declare module '*.py?raw' {
  const text: string;
  export default text;
}
