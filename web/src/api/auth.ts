import type {
  Credentials,
  NewToken,
  NewUser,
  PasswordChange,
  SetupBody,
  UserPatch,
} from '../../../src/api/wire/auth.js';
import { http, type Page } from './client';
import type { ApiToken, CreatedToken, User, UserRecord } from './types';

export const authApi = {
  setupNeeded: () => http.get<{ needed: boolean }>('/api/setup'),
  setup: (input: SetupBody) =>
    http.post<{ user: UserRecord }>('/api/setup', input, { expectUnauthorized: true }),
  login: (input: Credentials) =>
    http.post<{ user: UserRecord }>('/api/login', input, { expectUnauthorized: true }),
  logout: () => http.post<void>('/api/logout'),
  me: () => http.get<{ user: User }>('/api/me', { expectUnauthorized: true }),
  changePassword: (input: PasswordChange) => http.post<void>('/api/me/password', input),
  users: () => http.get<Page<UserRecord>>('/api/users'),
  createUser: (input: NewUser) => http.post<UserRecord>('/api/users', input),
  updateUser: (id: number, input: UserPatch) => http.patch<UserRecord>(`/api/users/${id}`, input),
  tokens: () => http.get<Page<ApiToken>>('/api/tokens'),
  createToken: (input: NewToken) => http.post<CreatedToken>('/api/tokens', input),
  revokeToken: (id: number) => http.delete<ApiToken>(`/api/tokens/${id}`),
};
