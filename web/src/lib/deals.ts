import type { Schemas } from '../api/client';

export type DealListItem = Schemas['DealListItem'];
export type Deal = Schemas['Deal'];
export type DealStage = Schemas['DealStage'];

export const DEAL_PHASES = ['discovery', 'negotiation', 'closed_won', 'closed_lost'] as const;
export type DealPhase = (typeof DEAL_PHASES)[number];

export const PHASE_LABELS: Record<DealPhase, string> = {
  discovery: 'Discovery',
  negotiation: 'Negotiation',
  closed_won: 'Won',
  closed_lost: 'Lost',
};

export const PHASE_TONE: Record<DealPhase, 'neutral' | 'good' | 'warn' | 'bad'> = {
  discovery: 'neutral',
  negotiation: 'warn',
  closed_won: 'good',
  closed_lost: 'bad',
};

/**
 * An exact money amount (the API's decimal string) in the reader's locale with its currency:
 * Intl formats the decimal string itself, so no digit goes through a float.
 */
export function formatMoney(amount: string | null | undefined, currency: string): string {
  if (amount == null) return '—';
  const digits = amount.includes('.') ? (amount.split('.')[1]?.length ?? 0) : 0;
  try {
    const format = new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    // Intl.NumberFormat takes a decimal string exactly (ES2023's StringNumericLiteral).
    return format.format(amount as `${number}`);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** Who a deal is with: the partner company, or the deal's lead's company. */
export function partnerName(deal: Pick<DealListItem, 'partner' | 'associated_partner'>): string | undefined {
  return deal.partner?.name ?? deal.associated_partner[0]?.company_name;
}

export function leadName(
  lead: {
    company_name: string | null;
    first_name: string | null;
    last_name: string | null;
    email: string | null;
  } | null,
): string | undefined {
  if (!lead) return undefined;
  return (
    lead.company_name ||
    [lead.first_name, lead.last_name].filter(Boolean).join(' ') ||
    lead.email ||
    undefined
  );
}

/** The company's deal stages in pipeline order (the API orders them by series). */
export const byPipeline = (stages: DealStage[]): DealStage[] =>
  [...stages].sort((a, b) => a.series - b.series || a.id - b.id);
