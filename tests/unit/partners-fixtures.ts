import { expect } from 'vitest';
import { ApiError } from '../../src/core/errors.js';
import type { CustomFieldFacts } from '../../src/modules/custom-field-values/index.js';
import type { ReferenceFacts } from '../../src/modules/partners/partners.classification.js';

// Facts for the partner commands' pure rules, as their facts statements read them.

export const tag = (id: number, label = `t${id}`) => ({
  id,
  label,
  background_color: '#6B7280',
  text_color: '#FFFFFF',
});
export const user = (id: number) => ({ id, email: `u${id}@example.test`, first_name: null, last_name: null });
export const STAGE = {
  id: 7,
  uuid: '00000000-0000-4000-8000-000000000007',
  label: 'First',
  series: 1,
  phase: 'discovery',
};
export const TIER = { id: 8, uuid: 'u-8', label: 'Gold', background_color: '#FFD700', text_color: '#FFFFFF' };
export const CATEGORY = { id: 9, uuid: 'u-9', label: 'Agencies' };

export const refs = (over: Partial<ReferenceFacts> = {}): ReferenceFacts => ({
  tags: [],
  stage: null,
  tier: null,
  category: null,
  users: [],
  ...over,
});
export const NO_FIELDS: CustomFieldFacts = { definitions: [], required: [] };

/** What `run` threw, as the API would answer it. */
export function thrown(run: () => unknown) {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return { status: (err as ApiError).status, ...(err as ApiError).toBody() };
  }
  throw new Error('expected an ApiError');
}
