// The accounts routes of CONTRACT-ACCOUNTS.md (issue #9), typed by hand until the server
// serves them: `paths` (below) prefers the generated type of any route the document has, so
// each entry here falls away by itself once `npm run web:types` sees the real one.
import type { components, paths as generated } from './schema';

type Schemas = components['schemas'];
type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type Empty = { headers: { [name: string]: unknown }; content?: never };
type NoParams = { query?: never; header?: never; path?: never; cookie?: never };
type Body<T> = { content: { 'application/json': T } };
type ErrorResponses = {
  400: Json<Schemas['Error']>;
  401: Json<Schemas['Error']>;
  403: Json<Schemas['Error']>;
  404: Json<Schemas['Error']>;
  409: Json<Schemas['Error']>;
  429: Json<Schemas['Error']>;
};

export interface Session {
  user: Schemas['User'];
  company: Schemas['Company'];
  csrf_token: string;
  expires_at: string;
}

export interface InvitationPreview {
  email: string;
  company: { id: number; name: string };
  role: 'admin' | 'partnerships';
  kind: 'team' | 'partner';
  expires_at: string;
  partner_company?: { id: number; name: string };
}

export interface Invitation {
  id: number;
  uuid: string;
  email: string;
  role: 'admin' | 'partnerships';
  kind: 'team' | 'partner';
  invited_by: { id: number; email: string } | null;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
  created_at: string;
  invite_url?: string;
}

type PathParams<Path> = [Path] extends [never] ? { path?: never } : { path: Path };

interface Post<In, Out, Path = never> {
  parameters: { query?: never; header?: never; cookie?: never } & PathParams<Path>;
  requestBody: Body<In>;
  responses: Out & ErrorResponses;
}
interface Get<Out, Path = never, Query = never> {
  parameters: { query?: Query; header?: never; cookie?: never } & PathParams<Path>;
  requestBody?: never;
  responses: Out & ErrorResponses;
}
type Only<M> = { parameters: NoParams } & M;

interface PendingPaths {
  '/v1/auth/signup': Only<{
    post: Post<
      { company_name: string; first_name: string; last_name?: string; email: string; password: string },
      { 201: Json<Session> }
    >;
  }>;
  '/v1/auth/login': Only<{
    post: Post<{ email: string; password: string; company_id?: number }, { 200: Json<Session> }>;
  }>;
  '/v1/auth/logout': Only<{
    post: {
      parameters: NoParams;
      requestBody?: never;
      responses: { 204: Empty } & ErrorResponses;
    };
  }>;
  '/v1/auth/session': Only<{ get: Get<{ 200: Json<Session> }> }>;
  '/v1/auth/password': Only<{
    post: Post<{ current_password: string; new_password: string }, { 204: Empty }>;
  }>;
  '/v1/auth/password-reset': Only<{ post: Post<{ email: string }, { 202: Json<unknown> | Empty }> }>;
  '/v1/auth/password-reset/complete': Only<{
    post: Post<{ token: string; password: string }, { 200: Json<Session> }>;
  }>;
  '/v1/auth/invitations/{token}': Only<{ get: Get<{ 200: Json<InvitationPreview> }, { token: string }> }>;
  '/v1/auth/invitations/{token}/accept': Only<{
    post: Post<
      { password: string; first_name?: string; last_name?: string },
      { 200: Json<Session> },
      { token: string }
    >;
  }>;
  '/v1/invitations': Only<{
    get: Get<
      { 200: Json<{ data: Invitation[]; meta: { 'record-count': number; 'page-count': number } }> },
      never,
      { page?: number; pageSize?: number }
    >;
    post: Post<{ email: string; role: 'admin' | 'partnerships' }, { 201: Json<Invitation> }>;
  }>;
  '/v1/invitations/{id}': Only<{
    delete: {
      parameters: { query?: never; header?: never; path: { id: number }; cookie?: never };
      requestBody?: never;
      responses: { 204: Empty } & ErrorResponses;
    };
  }>;
}

export type paths = generated & Omit<PendingPaths, keyof generated>;
