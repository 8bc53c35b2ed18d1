/** Injection tokens for values that are not classes. */
export const CONFIG = Symbol('EPP_CONFIG');
export const KEY_STORE = Symbol('EPP_KEY_STORE');
