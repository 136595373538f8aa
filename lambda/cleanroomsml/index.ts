export * from './client';
export * from './commands';
export * from './errors';
export * from './paginate';
export * from './types';
