export * from './ceilings';
export * from './record';
