export * from './unique-name';
export * from './test-database';
export * from './test-nats';
export * from './wait-for';
export * from './tenant-factory';
export * from './directory-stub';
export * from './http-client';
export * from './read-stream';
