import { http, type Page } from './client';
import type { ApiToken, User, UserRecord } from './types';

export const authApi = {
  setupNeeded: () => http.get<{ needed: boolean }>('/api/setup'),
  setup: (input: { token: string; username: string; password: string }) =>
    http.post<{ user: User }>('/api/setup', input, { expectUnauthorized: true }),
  login: (input: { username: string; password: string }) =>
    http.post<{ user: User }>('/api/login', input, { expectUnauthorized: true }),
  logout: () => http.post<void>('/api/logout'),
  me: () => http.get<{ user: User }>('/api/me', { expectUnauthorized: true }),
  changePassword: (input: { current_password: string; new_password: string }) =>
    http.post<void>('/api/me/password', input),
  users: () => http.get<Page<UserRecord>>('/api/users'),
  createUser: (input: { username: string; password: string; role: string }) =>
    http.post<UserRecord>('/api/users', input),
  updateUser: (id: number, input: { role?: string; disabled?: boolean; password?: string }) =>
    http.patch<UserRecord>(`/api/users/${id}`, input),
  tokens: () => http.get<Page<ApiToken>>('/api/tokens'),
  createToken: (input: { name: string; role: string; scope: string; expires_at: string | null }) =>
    http.post<ApiToken & { token: string }>('/api/tokens', input),
  revokeToken: (id: number) => http.delete<ApiToken>(`/api/tokens/${id}`),
};
