/** Injection tokens of the backbone module. */
export const BACKBONE_CONFIG = Symbol('BACKBONE_CONFIG');
export const BACKBONE_LOGGER = Symbol('BACKBONE_LOGGER');
export const KAFKA = Symbol('KAFKA');
export const KAFKA_PRODUCER = Symbol('KAFKA_PRODUCER');
export const KAFKA_ADMIN = Symbol('KAFKA_ADMIN');
export const BACKBONE_OPTIONS = Symbol('BACKBONE_OPTIONS');
