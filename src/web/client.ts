// The one place the app imports the client library from (becomes the package name once it is one).
export * from '../client/index.ts';
export * from '../client/react.ts';
