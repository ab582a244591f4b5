export {
  AuthService,
  validateUsername,
  type AuthJournal,
  type AuthOptions,
  type NewSession,
} from './auth-service.js';
export { FirstRun, SETUP_TOKEN_FILE } from './first-run.js';
export { LogAccessSetting } from './log-access.js';
export {
  LoginThrottle,
  DEFAULT_LOGIN_THROTTLE,
  type LoginThrottleOptions,
} from './login-throttle.js';
export { MIN_PASSWORD_LENGTH, ROLES, TOKEN_SCOPES, type ApiToken, type User } from './model.js';
export { SCRYPT_PARAMS, hashPassword, verifyPassword } from './password.js';
export type { Principal, Role, TokenScope } from './principal.js';
export { SessionRepository } from './session-repository.js';
export { TokenRepository } from './token-repository.js';
export { UserRepository } from './user-repository.js';
export { createAuth, type Auth, type AuthDeps } from './auth-module.js';
