import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readErrors, writeErrors } from '../../core/schemas.js';
import { User } from '../users/index.js';
import { Me, UpdateProfileBody } from './me.schemas.js';
import type { MeService } from './me.service.js';

const tags = ['Me'];

export const meRoutes: FastifyPluginAsyncZod<{ me: MeService }> = async (app, { me }) => {
  app.get(
    '/me',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'getMe',
        tags,
        summary: 'Who is calling',
        description: 'Your company, the user you act as (with its role), and how you authenticated.',
        response: { 200: Me, ...readErrors },
      },
    },
    (req) => me.get(req.auth),
  );

  app.patch(
    '/me',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'updateMe',
        tags,
        summary: 'Update your own profile',
        description:
          'Names, position, phone number, meeting link and color. Email, role and status are changed by an admin (`PATCH /v1/users/{id}`).',
        body: UpdateProfileBody,
        response: { 200: User, ...writeErrors },
      },
    },
    (req) => me.updateProfile(req.auth, req.body),
  );
};
