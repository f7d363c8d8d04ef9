export * from './headers';
export * from './tenant-id';
export * from './tenant-directory';
export * from './lifecycle';
export * from './subjects';
export * from './usage';
export * from './accounts';
